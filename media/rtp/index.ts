/**
 * Public face of media/rtp: RTP packet parse/build, RFC 8285 header extensions, RTP/RTCP demux,
 * RTCP reports, NTP helpers, sequence/timestamp unwrapping and RFC 3550 receiver statistics.
 */
export * from './packet.ts';
export * from './extensions.ts';
export * from './demux.ts';
export * from './rtcp.ts';
export * from './ntp.ts';
export * from './sequence.ts';
export * from './receiver-stats.ts';
