/** Public face of gateway/api/webhooks: sender, signatures, dead-letter queue, event schemas, routes. */
export { WebhookSender, incomingUrl, type WebhookSenderOptions, type SendOptions, type Delivery, type IncomingDecision } from './sender.ts';
export { WebhookError, type WebhookErrorCode } from './webhook-error.ts';
export {
  signWebhook, verifyWebhookSignature, checkWebhookSignature, type SignatureCheck,
  SIGNATURE_HEADER, TIMESTAMP_HEADER, DEFAULT_TOLERANCE_SEC,
} from './signature.ts';
export { backoffDelay, BACKOFF_BASE_MS, BACKOFF_JITTER_MS } from './backoff.ts';
export { DeadLetterQueue, webhookFailureSchema, type WebhookFailure, type DeadLetterQueueOptions } from './dead-letter-queue.ts';
export {
  incomingCallSchema, incomingResponseSchema, lifecycleEventSchema, streamTargetSchema,
  type IncomingCall, type IncomingResponse, type LifecycleEvent, type LifecycleEventName, type StreamTarget,
} from './events.ts';
export { webhookFailureRoutes, type WebhookFailureRoutesOptions } from './failures-routes.ts';
export { webhooksFromConfig, DLQ_FILE, type WebhooksFromConfigDeps } from './from-config.ts';
export { KeyedQueue } from './keyed-queue.ts';
