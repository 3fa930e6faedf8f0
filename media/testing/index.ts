/**
 * Test helpers for media code: signal analysis (SNR, segmental SNR, alignment, tone measurements)
 * and the speech fixtures. Node only (the fixture loader reads files); not part of the runtime.
 */
export * from './signal.ts';
export * from './speech.ts';
