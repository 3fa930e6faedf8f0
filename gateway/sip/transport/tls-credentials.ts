/**
 * Resolves the certificate and key of a TLS listener from PEM given inline or from file paths.
 */
import { readFile } from 'node:fs/promises';
import type { TlsListenOptions } from './types.ts';

export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
}

/** Reads `certPath`/`keyPath` when PEM is not given inline; throws a plain Error naming what is missing. */
export async function loadTlsCredentials(options: TlsListenOptions): Promise<TlsCredentials> {
  const cert = options.cert ?? (options.certPath ? await readFile(options.certPath) : undefined);
  const key = options.key ?? (options.keyPath ? await readFile(options.keyPath) : undefined);
  if (!cert) throw new Error('TLS listener needs a certificate (tls.cert or tls.certPath)');
  if (!key) throw new Error('TLS listener needs a private key (tls.key or tls.keyPath)');
  return { cert, key };
}
