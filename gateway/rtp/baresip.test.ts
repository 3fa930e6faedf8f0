/**
 * Interop with a real peer: baresip (Debian baresip-core) answers a minimal INVITE
 * (`./testing/mini-uac.ts`) and exchanges RTP with an RtpLeg on 127.0.0.1 — its 440 Hz sine must
 * reach us and our 1 kHz tone must be in the WAV baresip records; RFC 4733 digits both ways,
 * RTCP from baresip, and the same again with SDES-SRTP (baresip's srtp module, RTP/SAVP).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MediaClock } from '../../media/clock.ts';
import { readWavMono } from '../../media/wav.ts';
import { BaresipPeer } from '../../testing/baresip.ts';
import { formatCrypto, generateSdesKey, parseSdp } from '../sip/sdp/index.ts';
import { RtpPortPool } from './port-pool.ts';
import { RtpLeg } from './rtp-leg.ts';
import { srtpFromCrypto } from './sdes-srtp.ts';
import { miniInvite } from './testing/mini-uac.ts';
import { ToneSink, medianToneCorrelation, sendTone, until } from './testing/tone-io.ts';

let clock: MediaClock;
let pool: RtpPortPool;

before(() => {
  clock = new MediaClock();
  clock.start();
  pool = new RtpPortPool();
});

after(async () => {
  clock.stop();
  await pool.close();
});

function offer(port: number, crypto?: string): string {
  return [
    'v=0',
    'o=patchbay 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} ${crypto ? 'RTP/SAVP' : 'RTP/AVP'} 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    ...(crypto ? [`a=crypto:${crypto}`] : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
}

for (const srtp of [false, true]) {
  describe(`RtpLeg ⇄ baresip${srtp ? ' with SDES-SRTP' : ''}`, () => {
    let peer: BaresipPeer;

    before(async () => {
      peer = await BaresipPeer.start({
        account: `<sip:rtp@127.0.0.1>;regint=0;answermode=auto${srtp ? ';mediaenc=srtp-mand' : ''}`,
        sineHz: 440,
        extraConfig: srtp ? ['module srtp.so'] : [],
      });
    });

    after(async () => {
      await peer.stop();
      peer.cleanup();
    });

    it('exchanges audio, DTMF and RTCP', async () => {
      const leg = await RtpLeg.create({ clock, ports: pool, rtcpIntervalMs: 1000 });
      const suite = 'AES_CM_128_HMAC_SHA1_80';
      const ours = { tag: 1, suite, keys: [{ method: 'inline', keySalt: generateSdesKey(suite) }], sessionParams: [] };
      const call = await miniInvite('rtp', peer.sipPort, offer(leg.localPort, srtp ? formatCrypto(ours) : undefined));
      assert.equal(call.status, 200, peer.output.slice(-2000));
      const m = parseSdp(call.answerSdp).media[0]!;
      const pcmu = m.codecs.find((c) => c.name.toUpperCase() === 'PCMU')!;
      const te = m.codecs.find((c) => c.name.toLowerCase() === 'telephone-event');
      assert.ok(pcmu, `PCMU in the answer:\n${call.answerSdp}`);
      if (srtp) assert.equal(m.crypto.length, 1, 'baresip answered with one a=crypto');
      leg.connect({
        address: m.address,
        port: m.port,
        rtcpPort: m.rtcp?.port,
        rtcpMux: m.rtcpMux,
        codec: { payloadType: pcmu.pt, codec: 'PCMU', clockRate: 8000, telephoneEventPt: te?.pt },
        srtp: srtp ? srtpFromCrypto(ours, m.crypto[0]!) : undefined,
      });
      const sink = new ToneSink(clock, leg);
      const stopTone = sendTone(clock, leg, 1000);
      const digits: string[] = [];
      leg.on('dtmf', (d) => digits.push(d));

      await until(() => sink.packets >= 100, 15_000, '2 s of audio from baresip');
      const heard = medianToneCorrelation(sink.samples(1000), 8000, 440);
      assert.ok(heard > 0.9, `baresip's 440 Hz at us: correlation ${heard}; ${JSON.stringify(sink.jitterStats())}`);

      // DTMF to baresip (it reports CALL_DTMF_START) and from baresip (sndcode).
      const since = peer.events.length;
      await leg.sendDtmf('7', 160);
      const ev = await peer.waitEvent('CALL_DTMF_START', 5000, since);
      assert.equal(ev.param, '7');
      const sent = await peer.command('sndcode', '4');
      assert.ok(sent.ok, `sndcode: ${sent.data}`);
      await until(() => digits.length > 0, 5000, 'a digit from baresip');
      assert.equal(digits[0], '4');

      await until(() => leg.getStats().rtcpReceived > 0, 15_000, 'RTCP from baresip');
      stopTone();
      sink.stop();
      const stats = leg.getStats();
      assert.equal(stats.latched, true);
      assert.equal(stats.srtpAuthFailures, 0);
      // Seen once under load with SDES-SRTP: a single datagram baresip sent while setting up its
      // SRTP/SRTCP session did not decode. Audio, DTMF and RTCP above are the real checks; a
      // steady stream of undecodable packets would still fail here.
      assert.ok(stats.malformed <= 1, `malformed packets: ${stats.malformed}`);
      assert.equal(stats.rtpUnknownPayloadType, 0);

      assert.equal(await call.hangup(), 200);
      call.close();
      leg.close();
      await leg.released;

      // baresip's recording of what it decoded from us (written out when its call ends): our 1 kHz.
      await peer.waitEvent('CALL_CLOSED', 5000, since);
      let wav: { sampleRate: number; samples: Int16Array } = { sampleRate: 8000, samples: new Int16Array(0) };
      let file = '';
      await until(() => {
        file = readdirSync(peer.recordDir).find((f) => f.endsWith('-dec.wav')) ?? '';
        if (file) wav = readWavMono(readFileSync(join(peer.recordDir, file)));
        return wav.samples.length >= wav.sampleRate * 2;
      }, 5000, "baresip's recording");
      const tail = wav.samples.subarray(wav.samples.length - wav.sampleRate * 2, wav.samples.length - wav.sampleRate / 2);
      const corr = medianToneCorrelation(tail, wav.sampleRate, 1000);
      assert.ok(corr > 0.9, `our 1 kHz at baresip (${file}, ${wav.sampleRate} Hz, ${wav.samples.length} samples): correlation ${corr}`);
    });
  });
}
