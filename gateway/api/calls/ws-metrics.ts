/**
 * Prometheus accounting of one bot WebSocket: patchbay_ws_connections while it is open, and
 * patchbay_ws_frames_total{direction} for each message received and each message sent (counted at
 * `send()`, which is wrapped on this one socket, while the socket is open). Nothing else in the
 * gateway counts these — a socket passed here must not be counted again elsewhere.
 */
import type { WebSocket } from 'ws';
import type { GatewayMetrics } from '../../observability/index.ts';

export type WsMetrics = Pick<GatewayMetrics, 'wsConnections' | 'wsFramesTotal'>;

/** Starts counting `ws` (an open socket); the gauge drops again on 'close'. */
export function countSocket(ws: WebSocket, metrics: WsMetrics): void {
  metrics.wsConnections.inc();
  ws.once('close', () => metrics.wsConnections.dec());
  ws.on('message', () => metrics.wsFramesTotal.inc({ direction: 'received' }));
  const send = ws.send;
  ws.send = function (this: WebSocket, ...args: unknown[]) {
    if (this.readyState === this.OPEN) metrics.wsFramesTotal.inc({ direction: 'sent' });
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as WebSocket['send'];
}
