/**
 * Builds the webhook sender and its dead-letter queue from the `webhook` config block. The DLQ is
 * persisted to `<dataDir>/webhook-dlq.jsonl` when a data directory is given, else kept in memory.
 */
import { join } from 'node:path';
import { parseDuration, type Config } from '../../config/index.ts';
import type { GatewayMetrics, Logger } from '../../observability/index.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { WebhookSender } from './sender.ts';

export interface WebhooksFromConfigDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  /** Directory for persistent state (proposed `data_dir` config key). Default: DLQ in memory only. */
  dataDir?: string;
}

export const DLQ_FILE = 'webhook-dlq.jsonl';

export function webhooksFromConfig(
  webhook: Config['webhook'],
  { logger, metrics, dataDir }: WebhooksFromConfigDeps,
): { sender: WebhookSender; deadLetters: DeadLetterQueue } {
  const log = logger.child({ component: 'webhooks' });
  const deadLetters = new DeadLetterQueue({ path: dataDir ? join(dataDir, DLQ_FILE) : undefined, logger: log });
  const sender = new WebhookSender({
    url: webhook.url,
    timeoutMs: parseDuration(webhook.timeout) ?? 5000,
    retry: webhook.retry,
    secret: webhook.secret,
    deadLetters,
    logger: log,
    metrics,
  });
  return { sender, deadLetters };
}
