/**
 * e2e harness: Kamailio (Debian `kamailio` + `kamailio-tls-modules`, 5.6) as a SIP trunk provider
 * on 127.0.0.1 — what the gateway meets at a real carrier: a registrar over TLS (or plain TCP, a
 * second listener) with Digest for one trunk account (fixed password in the cfg, no database;
 * usrloc in memory), and a proxy that
 *  - delivers INVITEs to the account's DIDs (or its username) to the registered contact — the
 *    Request-URI is the contact, or for the second DID the contact with the DID as user — over the
 *    gateway's own TLS/TCP connection (the gateway dials out: the provider reaches it the way
 *    providers reach any TLS/TCP client, by the address and connection the REGISTER came from);
 *  - forwards INVITEs to any other number, from the gateway (407 Digest first), to one fixed SIP
 *    UA over UDP (baresip: the "PSTN" side, trusted by its address, no registration);
 *  - record-routes, so in-dialog requests (ACK, BYE, re-INVITE) pass through it.
 * A throwaway self-signed certificate (subjectAltName IP:127.0.0.1) is made with `openssl`; point
 * the gateway at it with NODE_EXTRA_CA_CERTS=`certPath`. Kamailio runs in the foreground
 * (`-DD -E`), its log (stderr) is kept for failure reports, and after every successful REGISTER
 * the cfg logs the usrloc record (`USRLOC …` lines, see `registrations()`).
 *
 * A second mode, `KamailioServer.start({ mode: 'pbx', … })` → `KamailioPbx`: Kamailio as an office
 * PBX/proxy that is a trunk-host PEER of the gateway (the gateway trusts it by IP): UDP only, on
 * 127.0.0.2 (all of 127/8 is loopback, so the gateway tells it apart from the phones on 127.0.0.1
 * by address), with an office-side port (the phones') and a gateway-side port (the peer's), so it
 * record-routes every dialog between them twice; no registrar and no auth. Its extensions are SIP
 * UAs at fixed addresses (baresip on 127.0.0.1); every other number dialled by anyone but the
 * gateway is the gateway's. Every request (with the port it reached and its Route headers, see
 * `KamailioPbx.requests()`) and every relayed reply is logged (`REQ …`, `REPLY …`).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../testing/free-port.ts';

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

export interface KamailioOptions {
  /** The trunk account the gateway registers as (Digest username). Default 'patchbay-trunk'. */
  username?: string;
  password?: string;
  /** The DID the provider routes to the account's registration (Request-URI: the registered contact). Default '15550100200'. */
  did?: string;
  /** A second DID, delivered the other common way: the registered contact with the DID as its user part. Default '15550100201'. */
  didInRuri?: string;
  /** Digest realm. Default 'kamailio.test'. */
  realm?: string;
  /** The SIP UA other numbers are forwarded to (UDP on 127.0.0.1), and the only source trusted without Digest. */
  uaPort: number;
  /** Ports to listen on (UDP, TLS, TCP); default: free ones (see `KamailioServer.ports()`). */
  udpPort?: number;
  tlsPort?: number;
  tcpPort?: number;
  /** Kamailio closes a TCP/TLS connection idle this long (tcp_connection_lifetime, tls connection_timeout). Default 3700 s (longer than a registration). */
  idleCloseSec?: number;
  /** How long to wait for Kamailio to answer. Default 15 s. */
  startTimeoutMs?: number;
}

/** One usrloc record, as the cfg logs it after a successful REGISTER. */
export interface KamailioBinding {
  aor: string;
  /** Contact URI as the gateway registered it. */
  contact: string;
  /** Where the REGISTER really came from (fix_nated_register), e.g. `sip:127.0.0.1:41234;transport=tls`. */
  received: string;
  /** Kamailio's socket the binding is tied to, e.g. `tls:127.0.0.1:5061` (or its `tcp:` one). */
  socket: string;
  /** When the binding lapses (Unix time, seconds). */
  expiresAt: number;
  /** proto:ip:port the REGISTER arrived from. */
  source: string;
}

/**
 * The Kamailio cfg. Kept small: each block says what a provider does there and why. `#!define`
 * values are substituted by Kamailio's preprocessor.
 */
/** The modules both configurations load (proxy core, record-route, logging); tm before sl: sl binds to tm when it starts. */
const CORE_MODULES = `loadmodule "kex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
`;

export function kamailioCfg(o: { udpPort: number; tlsPort: number; tcpPort: number; uaPort: number; username: string; password: string; did: string; didInRuri: string; realm: string; idleCloseSec: number; tlsCfg: string }): string {
  return `#!KAMAILIO
# Patchbay e2e: a trunk provider in miniature (registrar + Digest + proxy), no database.
#!define TRUNK_USER "${o.username}"
#!define TRUNK_PASS "${o.password}"
#!define TRUNK_DID "${o.did}"
#!define TRUNK_DID_RURI "${o.didInRuri}"
#!define REALM "${o.realm}"
#!define UA_PORT ${o.uaPort}
#!define UA_HOSTPORT "127.0.0.1:${o.uaPort}"
#!define TRUNK_AOR "sip:${o.username}@127.0.0.1"
#!define FLT_NATS 5
#!define FLB_NATB 6

debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${o.udpPort}
listen=tls:127.0.0.1:${o.tlsPort}
# Plain TCP too, for trunks without TLS (registrar and lookup do not care about the transport).
listen=tcp:127.0.0.1:${o.tcpPort}
enable_tls=yes
# How long an idle TCP/TLS connection is kept. Calls to the gateway ride on the connection it
# registered over, so by default longer than its registration; short to play a provider that
# drops idle connections (Kamailio's own default is 120 s).
tcp_connection_lifetime=${o.idleCloseSec}
mpath="${MODULES}"

${CORE_MODULES}loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "nathelper.so"
loadmodule "tls.so"

modparam("tls", "config", "${o.tlsCfg}")
# The TLS side of tcp_connection_lifetime.
modparam("tls", "connection_timeout", ${o.idleCloseSec})
# usrloc in memory only.
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "nat_bflag", FLB_NATB)
# Where a REGISTER really came from is saved with the binding; lookup() sends there.
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "min_expires", 60)

request_route {
	xlog("L_NOTICE", "REQ $rm $ru from $proto:$si:$sp\\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	force_rport();

	# NAT detection (Via address or port differs from the source). A TLS client is always
	# "behind NAT" in this sense: its connection comes from an ephemeral port, not from the
	# port in its Via/Contact — so remember the real source (REGISTER) or tag its Contact with it.
	if (nat_uac_test("18")) {
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_first_hop()) {
			set_contact_alias();
		}
		setflag(FLT_NATS);
	}

	# In-dialog requests follow the Record-Route path; a Contact alias names the real flow.
	if (has_totag()) {
		if (loose_route()) {
			if (!isdsturiset()) handle_ruri_alias();
			route(RELAY);
		}
		if (is_method("ACK")) {
			if (t_check_trans()) route(RELAY);
			exit;
		}
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	if (!is_method("ACK")) t_check_trans();
	remove_hf("Route");

	if (is_method("REGISTER")) route(REGISTRAR);
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	if (!is_method("INVITE")) {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
	record_route();

	# From the "PSTN" (the UA at its fixed address): trusted by address, like a carrier
	# interconnect. The trunk's DIDs (or its account name) go to the registered gateway.
	if ($si == "127.0.0.1" && $sp == UA_PORT && $proto == "udp") {
		if ($rU == TRUNK_DID || $rU == TRUNK_DID_RURI || $rU == TRUNK_USER) route(TO_TRUNK);
		sl_send_reply("404", "No Such Number");
		exit;
	}

	# Anyone else is the trunk customer: it must prove the account (407, then Proxy-Authorization).
	if (!pv_proxy_authenticate(REALM, TRUNK_PASS, "0")) {
		proxy_challenge(REALM, "1");
		exit;
	}
	if ($au != TRUNK_USER) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	consume_credentials();
	xlog("L_NOTICE", "OUTBOUND $au calls $rU from $fu\\n");
	$ru = "sip:" + $rU + "@" + UA_HOSTPORT;
	route(RELAY);
}

route[REGISTRAR] {
	if (!pv_www_authenticate(REALM, TRUNK_PASS, "0")) {
		www_challenge(REALM, "1");
		exit;
	}
	if ($au != TRUNK_USER || $tU != $au) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	consume_credentials();
	if (isflagset(FLT_NATS)) setbflag(FLB_NATB);
	if (!save("location")) {
		sl_reply_error();
		exit;
	}
	if (reg_fetch_contacts("location", "$tu", "gw")) {
		xlog("L_NOTICE", "USRLOC aor=$tu contact=$(ulc(gw=>addr)[0]) received=$(ulc(gw=>received)[0]) socket=$(ulc(gw=>socket)[0]) expires=$(ulc(gw=>expires)[0]) source=$proto:$si:$sp\\n");
	}
	exit;
}

route[TO_TRUNK] {
	# The account's registered contact becomes the Request-URI; $du the received address (its
	# TLS/TCP connection). The dialled number stays in To.
	$var(dialled) = $rU;
	if (!lookup("location", TRUNK_AOR)) {
		sl_send_reply("480", "Temporarily Unavailable");
		exit;
	}
	# Providers as often put the DID itself in the Request-URI (user part of the contact): the second DID.
	if ($var(dialled) == TRUNK_DID_RURI) $rU = $var(dialled);
	xlog("L_NOTICE", "INBOUND to $tU delivered to $ru via $du\\n");
	t_on_reply("FROM_TRUNK");
	route(RELAY);
}

onreply_route[FROM_TRUNK] {
	# Replies from the gateway: tag its Contact with the real flow, for in-dialog requests to it.
	if (is_present_hf("Contact")) set_contact_alias();
}

route[RELAY] {
	if (!t_relay()) sl_reply_error();
	exit;
}
`;
}

/** Kamailio as an office PBX/proxy in front of SIP phones, a trunk-host peer of the gateway. */
export interface KamailioPbxOptions {
  mode: 'pbx';
  /** The loopback address it listens on (UDP). Default '127.0.0.2': not the phones' 127.0.0.1. */
  address?: string;
  /** The office side, where the phones send (UDP); default a free port (see `KamailioServer.ports()`). */
  udpPort?: number;
  /**
   * The gateway side: the port the gateway's peer config names, and the socket Kamailio uses
   * toward it (UDP); default a free port. Two sockets make Kamailio record-route twice (one entry
   * per interface), so route-set order matters: a UA that gets it wrong sends in-dialog requests
   * to the wrong interface.
   */
  peerPort?: number;
  /** The gateway's SIP server, UDP on 127.0.0.1 (`server.listen`): numbers that are not extensions go there. */
  gatewayPort: number;
  /** Extensions: number → UDP port of the SIP UA (baresip) on 127.0.0.1 that has it. */
  extensions: Record<string, number>;
  /** How long to wait for Kamailio to answer. Default 15 s. */
  startTimeoutMs?: number;
}

/** The PBX cfg: a record-routing proxy with two interfaces and a fixed dial plan (no registrar, no auth). */
export function kamailioPbxCfg(o: { address: string; udpPort: number; peerPort: number; gatewayPort: number; extensions: Record<string, number> }): string {
  const dialPlan = Object.entries(o.extensions)
    .map(([number, port]) => `\tif ($rU == "${number}") {\n\t\t$ru = "sip:${number}@127.0.0.1:${port}";\n\t\troute(TO_PHONE);\n\t}`)
    .join('\n');
  return `#!KAMAILIO
# Patchbay e2e: an office PBX/proxy in miniature, a trunk-host peer of the gateway (no database).
#!define GW_PORT ${o.gatewayPort}
#!define GW_HOSTPORT "127.0.0.1:${o.gatewayPort}"

debug=2
log_stderror=yes
children=2
auto_aliases=no
# Not 127.0.0.1: the gateway trusts this PBX by its source address, and the phones are at 127.0.0.1.
# Two interfaces, as a PBX with an office side and a trunk side has: the phones talk to the first,
# the gateway to the second. A request crossing from one to the other gets two Record-Routes.
listen=udp:${o.address}:${o.udpPort}
listen=udp:${o.address}:${o.peerPort}
mpath="${MODULES}"

${CORE_MODULES}
request_route {
	# Every request: the interface it reached and its Route headers (the sender's route set).
	xlog("L_NOTICE", "REQ $rm $ru from $proto:$si:$sp at $Rp route=$(hdr(Route)[*])\\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}

	# In-dialog requests (ACK, BYE, re-INVITE, REFER, NOTIFY, INFO…) name us in their Route
	# (we record-routed the dialog): loose_route() takes our entries out, picks the interface the
	# second one names, and they go to the Request-URI.
	if (has_totag()) {
		if (loose_route()) route(RELAY);
		if (is_method("ACK")) {
			if (t_check_trans()) route(RELAY);
			exit;
		}
		xlog("L_WARN", "STRAY $rm $ru without our Route from $si:$sp\\n");
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	if (!is_method("ACK")) t_check_trans();
	remove_hf("Route");

	# The gateway's OPTIONS keepalive to its peer.
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	if (!is_method("INVITE")) {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
	# Stay in the path of every dialog: all in-dialog requests cross this proxy.
	record_route();

	# The dial plan: extensions are phones at fixed addresses (from anyone, the gateway included) …
${dialPlan}
	# … and any other number is the gateway's, unless the gateway itself dialled it (no loops).
	if ($si == "127.0.0.1" && $sp == GW_PORT) {
		sl_send_reply("404", "No Such Extension");
		exit;
	}
	$ru = "sip:" + $rU + "@" + GW_HOSTPORT;
	force_send_socket(udp:${o.address}:${o.peerPort});
	route(RELAY);
}

route[TO_PHONE] {
	force_send_socket(udp:${o.address}:${o.udpPort});
	route(RELAY);
}

route[RELAY] {
	if (!t_relay()) sl_reply_error();
	exit;
}

# Replies that pass through (transaction-stateful relays), for the test's record.
onreply_route {
	xlog("L_NOTICE", "REPLY $rs $rr to $rm from $proto:$si:$sp\\n");
}
`;
}

/** Process plumbing both modes share: output capture, readiness polling, stop. */
abstract class KamailioProcess {
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #log = '';

  protected constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.dir = dir;
    child.stdout!.on('data', (d: Buffer) => (this.#log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.#log += d.toString()));
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Everything Kamailio logged (stderr). */
  get log(): string {
    return this.#log;
  }

  logTail(n = 60): string {
    return this.#log.trimEnd().split('\n').slice(-n).join('\n');
  }

  /** Polls `probe` until it resolves (Kamailio answers); throws when Kamailio exits or time runs out. */
  protected async waitReady(timeoutMs: number, probe: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null) throw new Error(`kamailio exited with ${this.#child.exitCode}:\n${this.logTail()}`);
      try {
        await probe();
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`kamailio not ready within ${timeoutMs} ms (${last}):\n${this.logTail()}`);
  }

  /** SIGTERM (Kamailio stops its workers), SIGKILL to the group after 5 s; removes the temp dir. Idempotent. */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await this.#exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
    return this.#exited;
  }
}

/** Checks `cfg` (kamailio -c) and starts Kamailio on it in the foreground, in its own process group. */
function launch(dir: string, cfgText: string): ChildProcess {
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, cfgText);
  execFileSync('kamailio', ['-c', '-f', cfg, '-L', MODULES, '-Y', dir], { stdio: 'pipe' });
  // Own process group, so a stuck Kamailio can be killed with all its worker processes.
  return spawn('kamailio', ['-DD', '-E', '-f', cfg, '-Y', dir, '-m', '64', '-M', '8'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

function setupError(dir: string, err: unknown): Error {
  rmSync(dir, { recursive: true, force: true });
  const e = err as { stderr?: Buffer; message: string };
  return new Error(`kamailio setup failed: ${e.message}\n${e.stderr?.toString() ?? ''}`);
}

/** Kamailio in PBX mode (see `KamailioPbxOptions`); start it with `KamailioServer.start({ mode: 'pbx', … })`. */
export class KamailioPbx extends KamailioProcess {
  readonly address: string;
  /** The office side (the phones'). */
  readonly udpPort: number;
  /** The gateway side (the gateway's peer port). */
  readonly peerPort: number;
  readonly gatewayPort: number;
  readonly extensions: Readonly<Record<string, number>>;

  private constructor(child: ChildProcess, dir: string, o: { address: string; udpPort: number; peerPort: number; gatewayPort: number; extensions: Record<string, number> }) {
    super(child, dir);
    this.address = o.address;
    this.udpPort = o.udpPort;
    this.peerPort = o.peerPort;
    this.gatewayPort = o.gatewayPort;
    this.extensions = { ...o.extensions };
  }

  /** @internal — use `KamailioServer.start({ mode: 'pbx', … })`. */
  static async launch(options: KamailioPbxOptions): Promise<KamailioPbx> {
    const free = options.udpPort === undefined || options.peerPort === undefined ? await KamailioServer.ports() : undefined;
    const o = {
      address: options.address ?? '127.0.0.2',
      udpPort: options.udpPort ?? free!.udpPort,
      peerPort: options.peerPort ?? free!.tlsPort,
      gatewayPort: options.gatewayPort,
      extensions: options.extensions,
    };
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-kamailio-pbx-'));
    let child: ChildProcess;
    try {
      child = launch(dir, kamailioPbxCfg(o));
    } catch (err) {
      throw setupError(dir, err);
    }
    const pbx = new KamailioPbx(child, dir, o);
    try {
      await pbx.waitReady(options.startTimeoutMs ?? 15_000, async () => {
        for (const port of [pbx.udpPort, pbx.peerPort]) {
          const line = await udpOptions(port, pbx.address);
          if (!/^SIP\/2\.0 200/.test(line)) throw new Error(`OPTIONS to ${port} answered ${line}`);
        }
      });
    } catch (err) {
      await pbx.stop();
      throw err;
    }
    return pbx;
  }

  /** host:port of the office side, e.g. for a phone's dial string `sip:<number>@${hostPort}`. */
  get hostPort(): string {
    return `${this.address}:${this.udpPort}`;
  }

  /**
   * The requests Kamailio logged after log offset `since` (`REQ <method> <ruri> from
   * udp:<ip>:<port> at <our port> route=<Route values>`): `at` is the interface (port) it reached;
   * `routes` its Route entries in order ([] when it had none).
   */
  requests(since = 0): Array<{ method: string; ruri: string; from: string; at: number; routes: string[] }> {
    const re = /REQ (\S+) (\S+) from (\S+) at (\d+) route=(.*)$/gm;
    return [...this.log.slice(since).matchAll(re)].map((m) => ({
      method: m[1]!,
      ruri: m[2]!,
      from: m[3]!,
      at: Number(m[4]),
      routes: m[5]!.trim() === '<null>' ? [] : splitNameAddrs(m[5]!),
    }));
  }
}

/** `<a>, <b;lr>` → ['<a>', '<b;lr>'] (a comma-separated list of name-addrs, commas inside <> kept). */
export function splitNameAddrs(list: string): string[] {
  return (list.match(/(?:[^,<]|<[^>]*>)+/g) ?? []).map((v) => v.trim()).filter(Boolean);
}

export class KamailioServer extends KamailioProcess {
  readonly udpPort: number;
  readonly tlsPort: number;
  readonly tcpPort: number;
  readonly uaPort: number;
  readonly username: string;
  readonly password: string;
  readonly did: string;
  readonly didInRuri: string;
  readonly realm: string;
  readonly certPath: string;

  private constructor(child: ChildProcess, dir: string, o: Required<Omit<KamailioOptions, 'startTimeoutMs'>>) {
    super(child, dir);
    this.certPath = join(dir, 'cert.pem');
    this.udpPort = o.udpPort;
    this.tlsPort = o.tlsPort;
    this.tcpPort = o.tcpPort;
    this.uaPort = o.uaPort;
    this.username = o.username;
    this.password = o.password;
    this.did = o.did;
    this.didInRuri = o.didInRuri;
    this.realm = o.realm;
  }

  /** Three free ports (UDP, TLS, TCP), for callers that must know them before `start` (to point a UA at it). */
  static async ports(): Promise<{ udpPort: number; tlsPort: number; tcpPort: number }> {
    const [udpPort, tlsPort, tcpPort] = (await freePorts(3)) as [number, number, number];
    return { udpPort, tlsPort, tcpPort };
  }

  /** The trunk provider (default mode), or with `mode: 'pbx'` an office PBX that is a peer of the gateway. */
  static start(options: KamailioPbxOptions): Promise<KamailioPbx>;
  static start(options: KamailioOptions): Promise<KamailioServer>;
  static async start(options: KamailioOptions | KamailioPbxOptions): Promise<KamailioServer | KamailioPbx> {
    if ('mode' in options && options.mode === 'pbx') return KamailioPbx.launch(options);
    return KamailioServer.#startTrunk(options as KamailioOptions);
  }

  static async #startTrunk(options: KamailioOptions): Promise<KamailioServer> {
    const free = options.udpPort === undefined || options.tlsPort === undefined || options.tcpPort === undefined ? await KamailioServer.ports() : undefined;
    const ports = { udpPort: options.udpPort ?? free!.udpPort, tlsPort: options.tlsPort ?? free!.tlsPort, tcpPort: options.tcpPort ?? free!.tcpPort };
    const o = {
      username: options.username ?? 'patchbay-trunk',
      password: options.password ?? 'kamailio-e2e-secret',
      did: options.did ?? '15550100200',
      didInRuri: options.didInRuri ?? '15550100201',
      idleCloseSec: options.idleCloseSec ?? 3700,
      realm: options.realm ?? 'kamailio.test',
      uaPort: options.uaPort,
      ...ports,
    };
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-kamailio-'));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    let child: ChildProcess;
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
          '-days', '1', '-subj', '/CN=kamailio.test', '-addext', 'subjectAltName=IP:127.0.0.1'],
        { stdio: 'ignore' },
      );
      const tlsCfg = join(dir, 'tls.cfg');
      writeFileSync(
        tlsCfg,
        [
          '# The provider side of the trunk: our throwaway certificate; no client certificates.',
          '[server:default]',
          'method = TLSv1.2+',
          'verify_certificate = no',
          'require_certificate = no',
          `private_key = ${keyPath}`,
          `certificate = ${certPath}`,
          '',
          '[client:default]',
          'method = TLSv1.2+',
          'verify_certificate = no',
          'require_certificate = no',
          '',
        ].join('\n'),
      );
      child = launch(dir, kamailioCfg({ ...o, tlsCfg }));
    } catch (err) {
      throw setupError(dir, err);
    }
    const kam = new KamailioServer(child, dir, o);
    try {
      // The TLS and TCP listeners, and an answer to OPTIONS over UDP (every worker is up).
      await kam.waitReady(options.startTimeoutMs ?? 15_000, async () => {
        await tcpOpen(kam.tlsPort);
        await tcpOpen(kam.tcpPort);
        const line = await udpOptions(kam.udpPort);
        if (!/^SIP\/2\.0 200/.test(line)) throw new Error(`OPTIONS answered ${line}`);
      });
    } catch (err) {
      await kam.stop();
      throw err;
    }
    return kam;
  }

  /** The AOR host:port the gateway registers to, over TLS. */
  get tlsHost(): string {
    return `127.0.0.1:${this.tlsPort}`;
  }

  /** The AOR host:port the gateway registers to, over plain TCP. */
  get tcpHost(): string {
    return `127.0.0.1:${this.tcpPort}`;
  }

  /** usrloc records logged after each successful REGISTER, oldest first. */
  registrations(): KamailioBinding[] {
    const re = /USRLOC aor=(\S+) contact=(\S+) received=(\S*) socket=(\S+) expires=(\d+) source=(\S+)/g;
    return [...this.log.matchAll(re)].map((m) => ({ aor: m[1]!, contact: m[2]!, received: m[3]!, socket: m[4]!, expiresAt: Number(m[5]), source: m[6]! }));
  }
}

function tcpOpen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** One OPTIONS over UDP to `host:port` (from 127.0.0.1); resolves with the first line of the answer (rejects after 1 s). */
function udpOptions(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const done = (f: () => void) => {
      clearTimeout(timer);
      s.close();
      f();
    };
    const timer = setTimeout(() => done(() => reject(new Error('no answer to OPTIONS'))), 1000);
    s.once('error', (err) => done(() => reject(err)));
    s.on('message', (m) => done(() => resolve(m.toString().split('\r\n')[0]!)));
    s.bind(0, '127.0.0.1', () => {
      const { port: local } = s.address();
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1>;tag=${branch.slice(7)}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ${branch}@probe`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, host);
    });
  });
}
