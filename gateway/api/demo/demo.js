/*
 * Patchbay demo phone: JsSIP over SIP-over-WebSocket (RFC 7118) at ws(s)://<this host>/sip.
 * Register, call (default `echo`), answer, hang up, hold/resume, send and show DTMF. No STUN:
 * `iceServers: []`, so the browser only offers its own host candidates. Audio processing
 * (echo cancellation, noise suppression, AGC) is off so tones pass unchanged.
 * `window.patchbayDemo` exposes the UA, session and remote stream for tests and curious people;
 * `?debug=1` turns on JsSIP's SIP trace in the console.
 */
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const JsSIP = window.JsSIP;
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sip`;
  const audioConstraints = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
  const sessionOptions = {
    mediaConstraints: { audio: audioConstraints, video: false },
    pcConfig: { iceServers: [] },
  };
  const demo = (window.patchbayDemo = { ua: null, session: null, remoteStream: null, events: [] });

  function log(text) {
    const line = `${new Date().toISOString().slice(11, 23)} ${text}`;
    demo.events.push(line);
    const el = $('log');
    el.textContent += line + '\n';
    el.scrollTop = el.scrollHeight;
  }

  function setState(id, state, text = state) {
    const el = $(id);
    el.dataset.state = state;
    el.textContent = text;
  }

  if (!JsSIP) {
    setState('reg-state', 'failed', 'failed: JsSIP did not load (/assets/jssip.js)');
    return;
  }
  if (new URLSearchParams(location.search).has('debug')) JsSIP.debug.enable('JsSIP:*');

  function refreshButtons() {
    const registered = $('reg-state').dataset.state === 'registered';
    const s = demo.session;
    const live = Boolean(s && !s.isEnded());
    const established = live && s.isEstablished();
    $('register').disabled = Boolean(demo.ua);
    $('unregister').disabled = !demo.ua;
    $('call').disabled = !registered || live;
    $('hangup').disabled = !live;
    const held = established && s.isOnHold().local;
    $('hold').disabled = !established || held;
    $('resume').disabled = !held;
    for (const b of document.querySelectorAll('#keypad button')) b.disabled = !established;
  }

  function showHold() {
    const s = demo.session;
    const h = s && !s.isEnded() ? s.isOnHold() : { local: false, remote: false };
    const state = h.local && h.remote ? 'both' : h.local ? 'local' : h.remote ? 'remote' : 'none';
    setState('hold-state', state, state === 'none' ? '' : `(on hold: ${state === 'both' ? 'both sides' : state === 'local' ? 'by you' : 'by the other side'})`);
    refreshButtons();
  }

  function attachAudio(pc) {
    const play = (stream) => {
      demo.remoteStream = stream;
      const el = $('remote-audio');
      el.srcObject = stream;
      el.play().catch((err) => log(`audio play: ${err.message}`));
    };
    pc.addEventListener('track', (ev) => play(ev.streams[0] || new MediaStream([ev.track])));
  }

  function bindSession(session) {
    demo.session = session;
    $('dtmf-sent').textContent = '';
    $('dtmf-received').textContent = '';
    if (session.connection) attachAudio(session.connection);
    session.on('peerconnection', (e) => attachAudio(e.peerconnection));
    session.on('progress', () => setState('call-state', session.direction === 'outgoing' ? 'ringing' : 'answering'));
    session.on('accepted', () => setState('call-state', 'connected'));
    session.on('confirmed', () => {
      setState('call-state', 'connected');
      refreshButtons();
    });
    const finish = (what) => (e) => {
      log(`call ${what}: ${e.cause}${e.message && e.message.status_code ? ` (${e.message.status_code})` : ''} by ${e.originator}`);
      setState('call-state', 'ended', `ended (${e.cause})`);
      $('incoming').hidden = true;
      showHold();
    };
    session.on('ended', finish('ended'));
    session.on('failed', finish('failed'));
    session.on('hold', (e) => {
      log(`hold by ${e.originator}`);
      showHold();
    });
    session.on('unhold', (e) => {
      log(`resume by ${e.originator}`);
      showHold();
    });
    session.on('newDTMF', (e) => {
      if (e.originator !== 'remote') return;
      log(`DTMF received: ${e.dtmf.tone}`);
      $('dtmf-received').textContent += e.dtmf.tone;
    });
    session.on('newInfo', (e) => {
      if (e.originator === 'remote') log(`INFO received: ${e.info.contentType}`);
    });
    showHold();
  }

  function register() {
    const user = $('user').value.trim();
    if (!user) return;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wsUrl)],
      uri: `sip:${user}@${host}`,
      password: $('password').value,
      register: true,
      register_expires: 300,
    });
    demo.ua = ua;
    setState('reg-state', 'registering');
    ua.on('connected', () => log(`connected to ${wsUrl}`));
    ua.on('disconnected', () => log('WebSocket disconnected'));
    ua.on('registered', () => {
      log(`registered as ${user}`);
      setState('reg-state', 'registered');
      refreshButtons();
    });
    ua.on('unregistered', () => {
      setState('reg-state', 'unregistered');
      refreshButtons();
    });
    ua.on('registrationFailed', (e) => {
      log(`registration failed: ${e.cause}`);
      setState('reg-state', 'failed', `failed: ${e.cause}`);
      refreshButtons();
    });
    ua.on('newRTCSession', ({ session, originator, request }) => {
      if (originator !== 'remote') return;
      if (demo.session && !demo.session.isEnded()) {
        session.terminate({ status_code: 486 });
        return;
      }
      bindSession(session);
      const from = request.from.uri.user || request.from.uri.toString();
      log(`incoming call from ${from}`);
      $('incoming-from').textContent = from;
      $('incoming').hidden = false;
      setState('call-state', 'incoming');
      refreshButtons();
    });
    ua.start();
    refreshButtons();
  }

  $('register').addEventListener('click', register);
  $('unregister').addEventListener('click', () => {
    demo.ua?.stop();
    demo.ua = null;
    setState('reg-state', 'unregistered');
    refreshButtons();
  });
  $('call').addEventListener('click', () => {
    const target = $('target').value.trim();
    if (!target || !demo.ua) return;
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${host}`;
    log(`calling ${uri}`);
    setState('call-state', 'calling');
    bindSession(demo.ua.call(uri, sessionOptions));
    refreshButtons();
  });
  $('answer').addEventListener('click', () => {
    $('incoming').hidden = true;
    setState('call-state', 'answering');
    demo.session?.answer(sessionOptions);
  });
  $('decline').addEventListener('click', () => {
    $('incoming').hidden = true;
    demo.session?.terminate({ status_code: 486 });
  });
  $('hangup').addEventListener('click', () => demo.session?.terminate());
  $('hold').addEventListener('click', () => demo.session?.hold() && showHold());
  $('resume').addEventListener('click', () => demo.session?.unhold() && showHold());
  for (const b of document.querySelectorAll('#keypad button')) {
    b.addEventListener('click', () => {
      const tone = b.dataset.tone;
      demo.session?.sendDTMF(tone, { transportType: $('dtmf-mode').value, duration: 160, interToneGap: 80 });
      $('dtmf-sent').textContent += tone;
    });
  }
  refreshButtons();
})();
