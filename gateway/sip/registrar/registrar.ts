/**
 * The registrar (RFC 3261 §10.3, RFC 3327 Path, RFC 5626 outbound basics): authenticates REGISTER
 * with digest against the user directory, maintains the LocationService and answers with the
 * current bindings. Pure request → response logic; the user agent feeds it server transactions.
 */
import { randomBytes } from 'node:crypto';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import {
  createResponse,
  formatContact,
  getContacts,
  getHeader,
  getHeaders,
  parseCSeq,
  parseDeltaSeconds,
  parseNameAddr,
  parseTokenList,
  parseUri,
  type SipContact,
} from '../message/index.ts';
import type { DigestChallenger } from '../auth/index.ts';
import { LocationService, type Binding } from './location.ts';

export interface RegistrarOptions {
  /** Verifies credentials (realm, password lookup from the directory). */
  challenger: DigestChallenger;
  /** Whether an address-of-record (user part) exists in the directory. */
  userExists: (user: string) => boolean | Promise<boolean>;
  /** Binding store; default: a fresh in-memory LocationService. */
  location?: LocationService;
  /** Expiry used when the client gives none, seconds. Default 3600. */
  defaultExpires?: number;
  /** Shortest accepted expiry (423 below it), seconds. Default 60. */
  minExpires?: number;
  /** Longest granted expiry (longer requests are shortened), seconds. Default 7200. */
  maxExpires?: number;
  /** Most contacts one user may register (further ones → 403). Default 10. */
  maxContactsPerUser?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

/** Emitted through `onChange` whenever a user's bindings change. */
export interface RegistrationChange {
  aor: string;
  bindings: Binding[];
}

const SUPPORTED = new Set(['path', 'outbound', 'gruu']);

export class Registrar {
  readonly location: LocationService;
  readonly #opts: Required<Omit<RegistrarOptions, 'location' | 'challenger' | 'userExists' | 'now'>>;
  readonly #challenger: DigestChallenger;
  readonly #userExists: RegistrarOptions['userExists'];
  readonly #now: () => number;
  /** Called after each successful change (for presence/roster and metrics). */
  onChange?: (change: RegistrationChange) => void;

  constructor(options: RegistrarOptions) {
    this.#now = options.now ?? Date.now;
    this.location = options.location ?? new LocationService(this.#now);
    this.#challenger = options.challenger;
    this.#userExists = options.userExists;
    this.#opts = {
      defaultExpires: options.defaultExpires ?? 3600,
      minExpires: options.minExpires ?? 60,
      maxExpires: options.maxExpires ?? 7200,
      maxContactsPerUser: options.maxContactsPerUser ?? 10,
    };
  }

  /** Handles one REGISTER and returns the response to send (always a final response). */
  async handle(request: SipRequest, source: SipEndpoint): Promise<SipResponse> {
    const toTag = randomTag();
    const reply = (status: number, reason?: string, headers?: Record<string, string | string[]>) =>
      createResponse(request, status, reason, { toTag, headers: headers ?? {} });

    const unsupported = getHeaders(request, 'Require').flatMap(parseTokenList).filter((t) => !SUPPORTED.has(t.toLowerCase()));
    if (unsupported.length > 0) return reply(420, 'Bad Extension', { Unsupported: unsupported.join(', ') });

    let aor: string;
    try {
      const to = parseNameAddr(getHeader(request, 'To') ?? '');
      const uri = parseUri(to.uri);
      if ((uri.scheme !== 'sip' && uri.scheme !== 'sips') || !uri.user) return reply(404, 'Not Found');
      aor = uri.user;
    } catch {
      return reply(400, 'Bad To Header');
    }

    const verdict = await this.#challenger.verify(request);
    if (verdict.kind === 'challenge') {
      return createResponse(request, verdict.response.status, verdict.response.reason, { toTag, headers: verdict.response.headers });
    }
    if (verdict.kind === 'forbidden') return reply(403, 'Forbidden');
    if (verdict.username !== aor) return reply(403, 'Forbidden (user does not own this address)');
    if (!(await this.#userExists(aor))) return reply(404, 'Not Found');

    const callId = getHeader(request, 'Call-ID') ?? '';
    let cseq: number;
    try {
      cseq = parseCSeq(getHeader(request, 'CSeq') ?? '').seq;
    } catch {
      return reply(400, 'Bad CSeq');
    }
    let contacts: SipContact[];
    try {
      contacts = getContacts(request);
    } catch {
      return reply(400, 'Bad Contact');
    }
    const expiresHeader = getHeader(request, 'Expires');
    let headerExpires: number | undefined;
    if (expiresHeader !== undefined) {
      try {
        headerExpires = parseDeltaSeconds(expiresHeader);
      } catch {
        return reply(400, 'Bad Expires');
      }
    }

    // Contact: * — remove everything, only valid alone with Expires: 0 (§10.3 step 6).
    if (contacts.some((c) => c.star)) {
      if (contacts.length !== 1 || headerExpires !== 0) return reply(400, 'Invalid wildcard Contact');
      const existing = this.location.lookup(aor);
      if (existing.some((b) => b.callId === callId && cseq <= b.cseq)) return reply(500, 'Out of order REGISTER');
      this.location.removeAll(aor);
      this.onChange?.({ aor, bindings: [] });
      return this.#ok(request, toTag, aor);
    }

    const now = this.#now();
    const path = getHeaders(request, 'Path');
    const userAgent = getHeader(request, 'User-Agent');
    let outbound = false;
    for (const c of contacts) {
      const requested = c.expires ?? headerExpires ?? this.#opts.defaultExpires;
      if (requested !== 0 && requested < this.#opts.minExpires) {
        return reply(423, 'Interval Too Brief', { 'Min-Expires': String(this.#opts.minExpires) });
      }
    }
    for (const c of contacts) {
      const requested = c.expires ?? headerExpires ?? this.#opts.defaultExpires;
      const existing = this.location.find(aor, c.uri, c.instance, c.regId);
      if (existing && existing.callId === callId && cseq <= existing.cseq) return reply(500, 'Out of order REGISTER');
      if (requested === 0) {
        this.location.remove(aor, c.uri, c.instance, c.regId);
        continue;
      }
      if (!existing && this.location.lookup(aor).length >= this.#opts.maxContactsPerUser) {
        return reply(403, 'Too many registered contacts');
      }
      if (c.ob && c.regId !== undefined) outbound = true;
      const expires = Math.min(requested, this.#opts.maxExpires);
      this.location.upsert({
        aor,
        contact: c.uri,
        expiresAt: now + expires * 1000,
        callId,
        cseq,
        q: c.q ?? 1,
        ...(c.instance !== undefined ? { instanceId: c.instance } : {}),
        ...(c.regId !== undefined ? { regId: c.regId } : {}),
        path,
        source,
        ...(userAgent !== undefined ? { userAgent } : {}),
      });
    }
    if (contacts.length > 0) this.onChange?.({ aor, bindings: this.location.lookup(aor) });
    return this.#ok(request, toTag, aor, outbound, path);
  }

  #ok(request: SipRequest, toTag: string, aor: string, outbound = false, path: string[] = []): SipResponse {
    const now = this.#now();
    const headers: Array<{ name: string; value: string }> = [];
    for (const b of this.location.lookup(aor)) {
      const params: Record<string, string | null> = { expires: String(Math.max(0, Math.round((b.expiresAt - now) / 1000))) };
      if (b.regId !== undefined) params['reg-id'] = String(b.regId);
      const contact: SipContact = { uri: b.contact, params, star: false, ob: false };
      if (b.instanceId !== undefined) contact.instance = b.instanceId;
      headers.push({ name: 'Contact', value: formatContact(contact) });
    }
    const supported = getHeaders(request, 'Supported').flatMap(parseTokenList).map((t) => t.toLowerCase());
    if (path.length > 0 && supported.includes('path')) for (const p of path) headers.push({ name: 'Path', value: p });
    if (outbound && supported.includes('outbound')) headers.push({ name: 'Require', value: 'outbound' });
    headers.push({ name: 'Date', value: new Date(now).toUTCString() });
    return createResponse(request, 200, 'OK', { toTag, headers });
  }
}

function randomTag(): string {
  return randomBytes(6).toString('hex');
}
