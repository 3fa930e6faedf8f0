/** Public face of gateway/api/calls: REST call control (`callRoutes`) and the bot WebSocket upgrade (`createStreamUpgrades`). */
export { callRoutes, type CallRoutesOptions } from './call-routes.ts';
export { registerCallDocs } from './call-docs.ts';
export { createStreamUpgrades, StreamUpgrades, STREAM_PATH_PREFIX, type StreamUpgradeOptions } from './stream-upgrade.ts';
export { loadPlayAudio, decodePcmBase64, wavToPlayPcm, fetchLimited, DEFAULT_PLAY_TIMEOUT_MS, DEFAULT_PLAY_MAX_BYTES, type PlayFetchOptions, type PlaySource } from './play-source.ts';
export { controlled, toApiError, requireCall, CALL_NOT_FOUND } from './control-errors.ts';
export { countSocket, type WsMetrics } from './ws-metrics.ts';
export { requestWsBase, streamUrl } from './ws-url.ts';
export { refuseUpgrade } from './upgrade-reply.ts';
export * as callSchemas from './schemas.ts';
