import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referTargetMapper } from './refer-target.ts';

const map = referTargetMapper(() => ({ address: () => ({ host: '127.0.0.1', port: 5099 }) }), ['pbx.example'], (n) => n === '1001' || n === 'echo');

test('numbers, tel: URIs and our own domain become our SIP address with its port', () => {
  assert.equal(map('1003'), 'sip:1003@127.0.0.1:5099');
  assert.equal(map('+15551234567'), 'sip:+15551234567@127.0.0.1:5099');
  assert.equal(map('tel:+15551234567;phone-context=x'), 'sip:+15551234567@127.0.0.1:5099');
  assert.equal(map('sip:1003@127.0.0.1'), 'sip:1003@127.0.0.1:5099');
  assert.equal(map('<sip:1003@localhost;transport=ws>'), 'sip:1003@127.0.0.1:5099');
  assert.equal(map('sip:1003@pbx.example'), 'sip:1003@127.0.0.1:5099');
});

test('other hosts stay as they are', () => {
  assert.equal(map('sip:operator@pbx.local'), 'sip:operator@pbx.local');
  assert.equal(map('sip:operator@10.0.0.9:5070'), 'sip:operator@10.0.0.9:5070');
  assert.equal(map('sips:desk@carrier.example'), 'sips:desk@carrier.example');
});

test("a number for a transferee behind a peer or trunk goes to that PBX's or carrier's plan; SIP URIs are unchanged by it", () => {
  assert.equal(map('2003', '192.0.2.10:5060'), 'sip:2003@192.0.2.10:5060');
  assert.equal(map('tel:+15551234567', 'sip.carrier.example'), 'sip:+15551234567@sip.carrier.example');
  assert.equal(map('sip:1003@127.0.0.1', '192.0.2.10:5060'), 'sip:1003@127.0.0.1:5099', 'one of ours stays ours');
  assert.equal(map('sip:operator@pbx.local', '192.0.2.10:5060'), 'sip:operator@pbx.local');
  assert.equal(map('2003', undefined), 'sip:2003@127.0.0.1:5099', 'no home: our own users are referred back to us');
  assert.equal(map('1001', '192.0.2.10:5060'), 'sip:1001@127.0.0.1:5099', 'a directory user of ours is called through us');
  assert.equal(map('echo', '192.0.2.10:5060'), 'sip:echo@127.0.0.1:5099', 'so is an extension');
});
