/**
 * The one zod schema for Patchbay's configuration: every key of the xbridge reference (listen,
 * webhook, stream, auth, rate_limit, tls, sip, trunks, server + peers) plus Patchbay's own blocks
 * (directory, sip_stack, log). Objects are strict, so an unknown key is an error naming its path.
 */
import { z } from 'zod';
import { isHost, isIpOrCidr, parseHostPort, parseStunServer } from './address.ts';
import { parseDuration } from './duration.ts';

const address = (what: string) =>
  z.string().refine((s) => parseHostPort(s) !== undefined, {
    message: `not a valid ${what} address (expected host:port, e.g. 127.0.0.1:5060 or [::1]:5060)`,
  });

const duration = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'not a valid duration (expected e.g. "5s", "250ms", "1m")',
});

const port = z.number().int().min(0).max(65535);
const host = z.string().refine(isHost, { message: 'not a valid host name or IP address' });
const transport = z.enum(['udp', 'tcp', 'tls']);
const codecName = z.enum(['ulaw', 'alaw', 'g722', 'opus', 'pcmu', 'pcma']);

const rtpRange = {
  /** Minimum RTP port; 0 = OS-assigned. */
  rtp_port_min: port.default(0),
  /** Maximum RTP port; 0 = OS-assigned. */
  rtp_port_max: port.default(0),
};

function checkRtpRange(v: { rtp_port_min: number; rtp_port_max: number }, ctx: z.RefinementCtx) {
  if (v.rtp_port_min > v.rtp_port_max) {
    ctx.addIssue({ code: 'custom', path: ['rtp_port_min'], message: `must not exceed rtp_port_max (${v.rtp_port_max})` });
  }
}

/** One SIP client registration (the xbridge `sip` block; a `trunks` entry adds `name`). */
const sipClientFields = {
  username: z.string().min(1),
  password: z.string(),
  host: z.string().min(1).refine((s) => isHost(s) || parseHostPort(s) !== undefined, {
    message: 'not a valid host (expected a host name or IP, optionally with :port)',
  }),
  transport: transport.default('udp'),
  ...rtpRange,
  srtp: z.boolean().default(false),
  /** STUN server (host[:port] or stun:host[:port]) asked for our public address, advertised in SDP toward this trunk. '' = none. */
  stun_server: z
    .string()
    .default('')
    .refine((s) => s.trim() === '' || parseStunServer(s) !== undefined, { message: 'not a STUN server (expected host[:port] or stun:host[:port])' }),
  /** Registration expiry we ask for, in seconds. */
  expires: z.number().int().min(60).max(86400).default(3600),
};

export const sipClientSchema = z.strictObject(sipClientFields).superRefine(checkRtpRange);
export const trunkSchema = z.strictObject({ name: z.string().min(1), ...sipClientFields }).superRefine(checkRtpRange);

export const peerSchema = z.strictObject({
  name: z.string().min(1),
  host: z.string().refine(isIpOrCidr, { message: 'not a valid IP address' }).optional(),
  hosts: z.array(z.string().refine(isIpOrCidr, { message: 'not a valid IP address or CIDR range' })).default([]),
  port: port.default(5060),
  auth: z.strictObject({ username: z.string().min(1), password: z.string() }).optional(),
  codecs: z.array(codecName).default([]),
  rtp_address: host.optional(),
  transport: transport.default('udp'),
});

export const serverSchema = z
  .strictObject({
    listen: address('SIP listen'),
    /** SIP over TLS listen address (uses tls.cert / tls.key). Optional. */
    tls_listen: address('SIP TLS listen').optional(),
    ...rtpRange,
    rtp_address: host.optional(),
    peers: z.array(peerSchema).default([]),
  })
  .superRefine(checkRtpRange);

export const userSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._+-]+$/, 'must be a SIP user token (letters, digits, . _ + -)'),
  password: z.string().min(1),
  display_name: z.string().optional(),
});

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** One dialplan rule: the first rule whose matchers all match decides the target. */
export const routeSchema = z
  .strictObject({
    name: z.string().optional(),
    /** Regex on the called user/number (Request-URI user part). */
    to: regex.optional(),
    /** Regex on the caller (From user part). */
    from: regex.optional(),
    /** Where the call came from: a registered user, a trunk registration, a trunk-host peer (optionally by name). */
    source: z.union([z.enum(['any', 'user', 'trunk', 'peer']), z.string().regex(/^(peer|trunk):.+$/)]).default('any'),
    /** Exactly one target. `user: "$to"` rings the dialed user; `$1`… refer to `to` capture groups. */
    target: z
      .strictObject({
        user: z.string().optional(),
        trunk: z.string().optional(),
        peer: z.string().optional(),
        extension: z.string().optional(),
        /** Rewrites the called number sent onward (`$1`… allowed). */
        number: z.string().optional(),
      })
      .refine((t) => [t.user, t.trunk, t.peer, t.extension].filter((x) => x !== undefined).length === 1, {
        message: 'give exactly one of user, trunk, peer, extension',
      }),
  });

const iceServerSchema = z.strictObject({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

export const configSchema = z
  .strictObject({
    listen: z.strictObject({ http: address('HTTP listen').default('127.0.0.1:8080') }).prefault({}),
    webhook: z
      .strictObject({
        url: z.url().optional(),
        timeout: duration.default('5s'),
        retry: z.number().int().min(0).max(10).default(1),
        /** HMAC-SHA256 secret for X-Patchbay-Signature. */
        secret: z.string().optional(),
      })
      .prefault({}),
    stream: z
      .strictObject({
        encoding: z.enum(['audio/x-mulaw', 'audio/x-l16']).default('audio/x-mulaw'),
        sample_rate: z.union([z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)]).default(8000),
      })
      .prefault({}),
    auth: z.strictObject({ api_key: z.string().min(1).optional() }).prefault({}),
    rate_limit: z.strictObject({ requests_per_second: z.number().positive().optional() }).prefault({}),
    tls: z
      .strictObject({ cert: z.string().optional(), key: z.string().optional() })
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'cert and key must be given together' })
      .prefault({}),
    sip: sipClientSchema.optional(),
    trunks: z.array(trunkSchema).optional(),
    server: serverSchema.optional(),
    directory: z
      .strictObject({ users: z.array(userSchema).default([]) })
      .superRefine((d, ctx) => {
        const seen = new Set<string>();
        d.users.forEach((u, i) => {
          if (seen.has(u.username)) ctx.addIssue({ code: 'custom', path: ['users', i, 'username'], message: `duplicate user "${u.username}"` });
          seen.add(u.username);
        });
      })
      .prefault({}),
    /** Where durable state lives (webhook dead-letter queue…). Default ./data; the demo uses a temp dir. */
    data_dir: z.string().min(1).default('./data'),
    /** Dialplan, evaluated in order (built-in extensions echo and tone always exist). */
    routes: z.array(routeSchema).default([]),
    /** WebRTC legs toward browsers. */
    webrtc: z
      .strictObject({
        /** Addresses our ICE host candidates use (never a default public server). */
        host_addresses: z.array(z.string().refine((s) => isHost(s), { message: 'not a valid IP address' })).default([]),
        /** STUN/TURN servers; empty = none (werift's public default is always disabled). */
        ice_servers: z.array(iceServerSchema).default([]),
        /** Answer as ICE-lite (public deployments with a public host address). */
        ice_lite: z.boolean().default(false),
        /** Codec the browser leg keeps: the far leg's codec when possible (no transcoding), or always Opus. */
        codec_policy: z.enum(['passthrough', 'opus']).default('passthrough'),
      })
      .prefault({}),
    /** Call handling limits. */
    calls: z
      .strictObject({
        /** Give up ringing after this long (→ 408/480). */
        no_answer_timeout: duration.default('60s'),
        /** Tear a call down after no RTP for this long (0s disables). */
        rtp_timeout: z.string().refine((s) => parseDuration(s) !== undefined, { message: 'not a valid duration' }).default('30s'),
        /** Largest number of simultaneous calls (503 beyond). */
        max_calls: z.number().int().positive().default(1000),
      })
      .prefault({}),
    /** SIP stack tuning (RFC 3261 timers, identity). */
    sip_stack: z
      .strictObject({
        t1_ms: z.number().int().min(50).max(10_000).default(500),
        t2_ms: z.number().int().min(500).max(60_000).default(4000),
        t4_ms: z.number().int().min(500).max(60_000).default(5000),
        user_agent: z.string().default('Patchbay'),
        /** Realm used in digest challenges; defaults to the SIP listen host. */
        realm: z.string().optional(),
      })
      .prefault({}),
    log: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.server?.tls_listen && !(c.tls.cert && c.tls.key)) {
      ctx.addIssue({ code: 'custom', path: ['server', 'tls_listen'], message: 'needs tls.cert and tls.key' });
    }
    const names = new Set<string>();
    (c.trunks ?? []).forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['trunks', i, 'name'], message: `duplicate trunk "${t.name}"` });
      names.add(t.name);
    });
    const peers = new Set<string>();
    (c.server?.peers ?? []).forEach((p, i) => {
      if (peers.has(p.name)) ctx.addIssue({ code: 'custom', path: ['server', 'peers', i, 'name'], message: `duplicate peer "${p.name}"` });
      peers.add(p.name);
    });
  });

/** The raw (file + env) shape before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
/** The effective configuration with every default filled in. */
export type Config = z.output<typeof configSchema>;
export type TrunkConfig = z.output<typeof trunkSchema>;
export type PeerConfig = z.output<typeof peerSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
