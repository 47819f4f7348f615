import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyLensError } from '../../src/shared/errors';
import { PROTOCOL_VERSION, type HostRequests, type WebviewRequests } from '../../src/shared/protocol';
import { Rpc, checkEnvelope } from '../../src/shared/rpc';
import { validateWebviewMessage } from '../../src/shared/validate';

const req = (method: string, params: unknown, id = 7) => ({ type: 'request', id, method, params });
const square = { kind: 'polygon', id: 'p1', defectClass: 'scratch', points: [0, 0, 4, 0, 4, 4, 0, 4] };
const maskRegion = { kind: 'mask', id: 'm1', defectClass: 'dent', rle: { size: [2, 3], counts: [2, 1, 1, 2] } };

function rejects(raw: unknown, reason: RegExp, id?: number): void {
  const r = validateWebviewMessage(raw);
  assert.equal(r.ok, false, `expected rejection of ${JSON.stringify(raw)}`);
  if (!r.ok) {
    assert.match(r.reason, reason);
    assert.equal(r.id, id, 'a malformed request keeps its id so it can be answered');
  }
}

test('well-formed webview messages of every method are accepted', () => {
  const good = [
    req('ready', { protocolVersion: PROTOCOL_VERSION }),
    req('getFrame', { frame: 3 }),
    req('getSlice', { index: 0 }),
    req('getSlice', { index: 999 }),
    req('accept', { baseRevision: null }),
    req('reject', { baseRevision: 'rev-1' }),
    req('saveRegions', { regions: [square, maskRegion], baseRevision: 'rev-1' }),
    req('saveRegions', { regions: [], baseRevision: null }),
    req('navigate', { direction: 'next' }),
    req('navigate', { direction: 'previous' }),
    { type: 'notification', method: 'reportError', params: { message: 'boom', detail: 'stack' } },
    { type: 'response', id: 1, ok: true, result: { saved: true } },
    { type: 'response', id: 2, ok: false, error: { code: 'INTERNAL', message: 'x' } },
  ];
  for (const m of good) {
    const r = validateWebviewMessage(m);
    assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.reason}`);
  }
});

test('envelopes that are not messages are rejected with a reason', () => {
  rejects(null, /not an object/);
  rejects([1, 2], /not an object/);
  rejects({ type: 'hello' }, /unknown message type "hello"/);
  rejects({ type: 'request', id: -1, method: 'ready', params: {} }, /request id/);
  rejects({ type: 'request', id: 1.5, method: 'ready', params: {} }, /request id/);
  rejects(req('deleteEverything', {}, 4), /unknown request method "deleteEverything"/, 4);
  rejects(req('getFrame', 'frame=1', 5), /getFrame: params is not an object/, 5);
  rejects({ type: 'notification', method: 'shout', params: {} }, /unknown notification method/);
  rejects({ type: 'notification', method: 'reportError', params: { message: 42 } }, /params.message is not a string/);
  rejects({ type: 'response', id: 1, ok: 'yes' }, /response.ok/);
  rejects({ type: 'response', id: 1, ok: true, result: { saved: 'no' } }, /saved: boolean/);
  rejects({ type: 'response', id: 1, ok: false, error: 'oops' }, /response.error/);
});

test('request parameters are checked field by field', () => {
  rejects(req('ready', { protocolVersion: 99 }), /protocolVersion is 99, this host speaks 1/, 7);
  rejects(req('getFrame', { frame: -1 }), /params.frame/, 7);
  rejects(req('getFrame', { frame: '2' }), /params.frame/, 7);
  rejects(req('getSlice', { index: -1 }), /params.index is not an integer in \[0, 1000\)/, 7);
  rejects(req('getSlice', { index: 1000 }), /params.index/, 7);
  rejects(req('getSlice', { index: 1.5 }), /params.index/, 7);
  rejects(req('getSlice', {}), /params.index/, 7);
  rejects(req('accept', {}), /baseRevision/, 7);
  rejects(req('navigate', { direction: 'sideways' }), /direction is "sideways"/, 7);
  rejects(req('saveRegions', { regions: 'all', baseRevision: null }), /params.regions is not an array/, 7);
});

test('malformed regions are rejected with the exact field and problem', () => {
  const save = (region: unknown) => req('saveRegions', { regions: [square, region], baseRevision: null });
  rejects(save({ ...square, id: 'p2', points: [0, 0, 4, 0, 4] }), /regions\[1\]\.points has 5 numbers; expected an even count ≥ 6/, 7);
  rejects(save({ ...square, id: 'p2', points: [0, 0, 4, 0] }), /points has 4 numbers/, 7);
  rejects(save({ ...square, id: 'p2', points: [0, 0, 4, null, 4, 4] }), /regions\[1\]\.points\[3\] is not a finite number/, 7);
  rejects(save({ ...square, id: 'p2', defectClass: '  ' }), /regions\[1\]\.defectClass/, 7);
  rejects(save({ ...square, id: '' }), /regions\[1\]\.id/, 7);
  rejects(save({ ...square }), /regions\[1\]\.id "p1" is used twice/, 7);
  rejects(save({ ...square, id: 'p2', kind: 'circle' }), /kind is "circle"/, 7);
  rejects(save({ ...maskRegion, rle: { size: [2, 3], counts: [2, 1, 1] } }), /RLE counts sum to 4, expected 6/, 7);
  rejects(save({ ...maskRegion, rle: { size: [2, 3], counts: [2, -1, 5] } }), /RLE count -1/, 7);
  rejects(save({ ...maskRegion, rle: { size: [0, 3], counts: [] } }), /rle.size/, 7);
  rejects(save({ ...maskRegion, rle: { size: [2, 3] } }), /rle.counts is not an array/, 7);
  const many = Array.from({ length: 10_001 }, (_, i) => ({ ...square, id: `r${i}` }));
  rejects(req('saveRegions', { regions: many, baseRevision: null }), /10001 entries \(limit 10000\)/, 7);
});

/** Two Rpc endpoints wired back to back, messages delivered asynchronously like postMessage. */
function pair(hostHandlers: ConstructorParameters<typeof Rpc<HostRequests, WebviewRequests>>[0]['handlers'], timeoutMs = 1000) {
  const sent: { dir: string; msg: unknown; transfer?: ArrayBuffer[] }[] = [];
  const link: { host?: Rpc<HostRequests, WebviewRequests> } = {};
  const webview: Rpc<WebviewRequests, HostRequests> = new Rpc<WebviewRequests, HostRequests>({
    post: (msg, transfer) => { sent.push({ dir: 'w→h', msg, transfer }); setImmediate(() => link.host?.handle(msg)); },
    handlers: { flush: () => ({ saved: true }) },
    timeoutMs,
  });
  const host = new Rpc<HostRequests, WebviewRequests>({
    post: (msg, transfer) => { sent.push({ dir: 'h→w', msg, transfer }); setImmediate(() => webview.handle(msg)); },
    handlers: hostHandlers,
    validate: validateWebviewMessage,
    transferOf: (r) => (r && typeof r === 'object' && 'data' in r && r.data instanceof ArrayBuffer ? [r.data] : undefined),
    timeoutMs,
  });
  link.host = host;
  return { webview, host, sent };
}

test('a request gets its result, and pixel buffers ride as transfers', async () => {
  const { webview, host, sent } = pair({
    getFrame: ({ frame }) => ({ frame, width: 2, height: 1, channels: 1, dtype: 'uint16', data: new Uint16Array([1, 65535]).buffer }),
  });
  const f = await webview.request('getFrame', { frame: 2 });
  assert.equal(f.frame, 2);
  assert.deepEqual(Array.from(new Uint16Array(f.data)), [1, 65535]);
  const reply = sent.find((s) => s.dir === 'h→w');
  assert.equal(reply?.transfer?.length, 1);
  assert.equal(webview.pendingCount, 0);
  assert.deepEqual(await host.request('flush', {}), { saved: true });
});

test('a handler failure arrives as a typed error with its code, file and hint', async () => {
  const { webview } = pair({
    accept: () => { throw new AnomalyLensError('ANNOTATION_CONFLICT', 'changed on disk', { file: 'a.json', hint: 'reload' }); },
  });
  await assert.rejects(webview.request('accept', { baseRevision: 'r1' }), (e: unknown) => {
    assert.ok(e instanceof AnomalyLensError);
    assert.equal(e.code, 'ANNOTATION_CONFLICT');
    assert.equal(e.file, 'a.json');
    assert.equal(e.hint, 'reload');
    return true;
  });
});

test('an unknown method or an invalid request is answered with MESSAGE_INVALID, not silence', async () => {
  const { webview, sent } = pair({});
  await assert.rejects(webview.request('navigate', { direction: 'next' }), (e: unknown) =>
    e instanceof AnomalyLensError && e.code === 'MESSAGE_INVALID' && /unknown request method 'navigate'/.test(e.message));
  await assert.rejects(
    webview.request('getFrame', { frame: -3 }),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'MESSAGE_INVALID' && /params.frame/.test(e.message),
  );
  assert.ok(sent.filter((s) => s.dir === 'h→w').length === 2);
});

test('a request with no reply fails with TIMEOUT after timeoutMs and leaves nothing pending', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const settle = () => new Promise<void>((r) => setImmediate(r));
  const { webview } = pair({ navigate: () => new Promise(() => undefined) }, 50);
  let failed = false;
  const request = webview.request('navigate', { direction: 'next' });
  request.catch(() => (failed = true));
  await settle();
  t.mock.timers.tick(49);
  await settle();
  assert.equal(failed, false, 'still waiting just before the timeout');
  assert.equal(webview.pendingCount, 1);
  t.mock.timers.tick(1);
  await assert.rejects(request, (e: unknown) =>
    e instanceof AnomalyLensError && e.code === 'TIMEOUT' && /'navigate' got no reply within 50 ms/.test(e.message));
  assert.equal(webview.pendingCount, 0);
});

test('dispose cancels pending requests and refuses new ones', async () => {
  const { webview } = pair({ navigate: () => new Promise(() => undefined) });
  const p = webview.request('navigate', { direction: 'previous' });
  webview.dispose();
  await assert.rejects(p, (e: unknown) => e instanceof AnomalyLensError && e.code === 'CANCELLED');
  await assert.rejects(webview.request('getFrame', { frame: 0 }), (e: unknown) => e instanceof AnomalyLensError && e.code === 'CANCELLED');
});

test('notifications reach the handler; stray responses are reported as invalid', () => {
  const seen: string[] = [];
  const invalid: string[] = [];
  const rpc = new Rpc({ post: () => undefined, onNotification: (m) => seen.push(m), onInvalid: (r) => invalid.push(r) });
  assert.equal(rpc.handle({ type: 'notification', method: 'scoreChanged', params: {} }), true);
  assert.equal(rpc.handle({ type: 'response', id: 99, ok: true, result: 1 }), false);
  assert.equal(rpc.handle('junk'), false);
  assert.deepEqual(seen, ['scoreChanged']);
  assert.deepEqual(invalid, ['response 99 matches no pending request', 'message is not an object']);
  assert.equal(checkEnvelope({ type: 'request', id: 1 }).ok, false);
});
