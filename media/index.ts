/**
 * Public face of media/: the pure audio and RTP building blocks (no sockets, no timers of their
 * own except the MediaClock): codecs, resampler, RTP/RTCP, jitter buffer, DTMF, WAV, tones, clock.
 */
export * from './codecs/index.ts';
export * from './rtp/index.ts';
export * from './dtmf/index.ts';
export { JitterBuffer } from './jitter-buffer.ts';
export { MediaClock } from './clock.ts';
export { Resampler, initResampler, resamplerReady, ResamplerError } from './resampler.ts';
export { readWav, writeWav, readWavMono, downmixToMono, WavFormatError } from './wav.ts';
export { ToneGenerator, DualToneGenerator, NoiseGenerator, fillSilence, dbfsToAmplitude, amplitudeToDbfs } from './tone.ts';
