/**
 * DTMF for the media core: the RFC 4733 telephone-event payload, a sender that turns digits
 * into event packets, a receiver that turns event packets back into digits, and an in-band
 * (Goertzel) detector for DTMF tones carried in the audio. All pure: time is passed in.
 */
export * from './rfc4733.ts';
export * from './sender.ts';
export * from './receiver.ts';
export * from './inband.ts';
export { GoertzelBank } from './goertzel-bank.ts';
