/** Returns a copy of the config with secrets (passwords, keys, webhook secret) masked for logging. */

const SECRET_KEYS = new Set(['password', 'api_key', 'secret', 'key']);

export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k) && typeof v === 'string' && v !== '' ? '***' : maskSecrets(v);
  }
  return out as T;
}
