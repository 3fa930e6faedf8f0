/**
 * The dead-letter queue: webhook deliveries that exhausted their retries, newest last, at most
 * `max` (oldest evicted). With a `path` it survives restarts as an append-only JSONL file: each
 * failure is one appended line; when the file holds twice `max` lines (or on drain, or after a load
 * that skipped lines) it is compacted by writing a temp file and renaming it over the old one, so a
 * crash never leaves a half-written queue. Lines that don't parse are skipped with a warning.
 * File errors are logged and never thrown: the queue keeps working in memory.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../observability/index.ts';

export const webhookFailureSchema = z.object({
  event: z.record(z.string(), z.unknown()).meta({ description: 'The payload that could not be delivered' }),
  error: z.string().meta({ description: 'Why the last attempt failed, e.g. "Connection refused", "HTTP 500"' }),
  attempts: z.number().int().nonnegative().meta({ description: 'HTTP attempts made (0: the gateway shut down first)' }),
  timestamp: z.string().meta({ description: 'When the delivery was given up (ISO 8601, UTC)' }),
  url: z.string().optional().meta({ description: 'The URL the event was POSTed to' }),
});
export type WebhookFailure = z.infer<typeof webhookFailureSchema>;

export interface DeadLetterQueueOptions {
  /** JSONL file to persist to (e.g. `<data_dir>/webhook-dlq.jsonl`). Default: memory only. */
  path?: string;
  /** Entries kept; the oldest is evicted beyond this. Default: 1000 (the xbridge bound). */
  max?: number;
  /** Where load and write problems are reported. Required. */
  logger: Logger;
}

export class DeadLetterQueue {
  readonly path: string | undefined;
  readonly max: number;
  #entries: WebhookFailure[] = [];
  #fileLines = 0;
  #logger: Logger;

  constructor({ path, max = 1000, logger }: DeadLetterQueueOptions) {
    this.path = path;
    this.max = max;
    this.#logger = logger;
    if (path) this.#load(path);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** A copy of the stored failures, oldest first. */
  list(): WebhookFailure[] {
    return this.#entries.slice();
  }

  /** Stores a failure (stamping `timestamp` now unless given) and evicts the oldest beyond `max`. */
  add(failure: Omit<WebhookFailure, 'timestamp'> & { timestamp?: string }): WebhookFailure {
    const entry: WebhookFailure = { ...failure, timestamp: failure.timestamp ?? isoSeconds(new Date()) };
    this.#entries.push(entry);
    if (this.#entries.length > this.max) this.#entries.splice(0, this.#entries.length - this.max);
    if (this.path) {
      if (this.#fileLines + 1 > 2 * this.max) this.#compact();
      else this.#append(JSON.stringify(entry) + '\n');
    }
    return entry;
  }

  /** Empties the queue; returns how many entries it held. */
  drain(): number {
    const n = this.#entries.length;
    this.#entries = [];
    if (this.path) this.#compact();
    return n;
  }

  #load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.error({ err, path }, 'webhook DLQ: cannot read file');
      return;
    }
    const lines = text.split('\n');
    let skipped = 0;
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = webhookFailureSchema.safeParse(safeJson(line));
      if (parsed.success) this.#entries.push(parsed.data);
      else {
        skipped++;
        this.#logger.warn({ path, line: i + 1 }, 'webhook DLQ: skipping corrupted line');
      }
    });
    this.#fileLines = this.#entries.length + skipped;
    if (this.#entries.length > this.max) this.#entries.splice(0, this.#entries.length - this.max);
    if (skipped > 0 || this.#fileLines > this.max) this.#compact();
  }

  #append(line: string): void {
    try {
      if (this.#fileLines === 0) mkdirSync(dirname(this.path!), { recursive: true });
      appendFileSync(this.path!, line);
      this.#fileLines++;
    } catch (err) {
      this.#logger.error({ err, path: this.path }, 'webhook DLQ: cannot append');
    }
  }

  /** Rewrites the file with exactly the current entries: temp file, then an atomic rename. */
  #compact(): void {
    const path = this.path!;
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(tmp, this.#entries.map((e) => JSON.stringify(e) + '\n').join(''));
      renameSync(tmp, path);
      this.#fileLines = this.#entries.length;
    } catch (err) {
      this.#logger.error({ err, path }, 'webhook DLQ: cannot compact');
    }
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** ISO 8601 in UTC to the second, as in the xbridge contract ("2026-03-12T10:30:00Z"). */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
