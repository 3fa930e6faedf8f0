/**
 * gateway/sip — Patchbay's SIP stack, usable on its own. Each layer knows only the one below:
 * message (syntax) → transport (UDP/TCP/TLS/WS) → transaction (RFC 3261 §17) → dialog (§12–15)
 * → ua (the user agent the calls layer drives); auth (Digest), sdp (offer/answer) and registrar
 * (REGISTER + location) plug in beside them. This file re-exports each layer's public face.
 */
export * from './message/index.ts';
export * from './transport/index.ts';
export * from './transaction/index.ts';
export * from './auth/index.ts';
export * from './sdp/index.ts';
export * from './registrar/index.ts';
export * from './dialog/index.ts';
export * from './ua/index.ts';
