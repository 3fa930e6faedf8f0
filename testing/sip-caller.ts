/**
 * Test helper: places a batch of calls from a UserAgent at a fixed rate — INVITE with an SDP
 * offer, wait `holdMs` once answered, BYE — and counts how each ended: completed (answered and
 * the BYE got a 2xx), failed (the INVITE failed) or unfinished (answered but the BYE did not get
 * a 2xx).
 */
import { createOffer, type UserAgent } from '../gateway/sip/index.ts';
import { TEST_CODECS } from './sip-answerer.ts';

export interface CallBatchOptions {
  /** Request-URI, e.g. 'sip:service@127.0.0.1:5070'. */
  target: string;
  count: number;
  /** New calls per second. */
  rate: number;
  /** How long each call stays up before our BYE (ms). Default 100. */
  holdMs?: number;
}

export interface CallBatchResult {
  completed: number;
  failed: number;
  unfinished: number;
  /** Final status → count of the failed INVITEs / unanswered BYEs. */
  statuses: Record<string, number>;
  /** Call-IDs of the calls that did not complete. */
  incomplete: string[];
}

export async function placeCalls(ua: UserAgent, options: CallBatchOptions): Promise<CallBatchResult> {
  const result: CallBatchResult = { completed: 0, failed: 0, unfinished: 0, statuses: {}, incomplete: [] };
  const note = (what: string) => (result.statuses[what] = (result.statuses[what] ?? 0) + 1);
  const sdp = createOffer({ address: '127.0.0.1', media: [{ port: 40002, codecs: TEST_CODECS }] });
  const one = async () => {
    let dialog;
    const invite = ua.invite({ target: options.target, sdp });
    try {
      dialog = await invite.result();
    } catch (err) {
      result.failed++;
      result.incomplete.push(invite.callId);
      note(`invite ${(err as { status?: number }).status ?? 'error'}`);
      return;
    }
    await new Promise((r) => setTimeout(r, options.holdMs ?? 100));
    const bye = await dialog.bye();
    if (bye && bye.status >= 200 && bye.status < 300) result.completed++;
    else {
      result.unfinished++;
      result.incomplete.push(invite.callId);
      note(`bye ${bye?.status ?? 'none'}`);
    }
  };
  const calls: Array<Promise<void>> = [];
  const gap = 1000 / options.rate;
  const start = Date.now();
  for (let i = 0; i < options.count; i++) {
    const due = start + i * gap - Date.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    calls.push(one());
  }
  await Promise.all(calls);
  return result;
}
