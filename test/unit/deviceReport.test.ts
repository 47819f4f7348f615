/** The device the worker reports, what the status bar and Select Device make of it, and when the host asks. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceOptions, selectDevice } from '../../src/core/onnx/device';
import { realProbeEnv } from '../../src/core/onnx/probe';
import { setProbeEnv } from '../../src/core/onnx/runtime';
import { AnomalyLensError } from '../../src/shared/errors';
import type { Device } from '../../src/shared/run';
import type { DeviceOptionInfo, DeviceReport } from '../../src/shared/workerProtocol';
import { DeviceReports } from '../../src/extension/deviceReports';
import { devicePick, deviceStatus } from '../../src/extension/deviceView';
import { engineHandlers } from '../../src/worker/engineHandlers';
import type { RequestContext } from '../../src/worker/rpcServer';
import { fakeEnv } from './probeFake';

const WEBGPU_REASON = 'Failed to get a WebGPU adapter: No supported adapters';

function ctx(logs: string[] = []): RequestContext {
  return {
    signal: new AbortController().signal,
    progress: () => undefined,
    item: () => undefined,
    read: () => Promise.reject(new Error('no reads in a device request')),
    log: (l) => logs.push(l),
  };
}

afterEach(() => setProbeEnv(realProbeEnv));

test('device request without a GPU: CPU, the CLI line with why WebGPU was skipped, and only this platform in the options', async () => {
  const env = fakeEnv({ works: [] });
  setProbeEnv(env);
  const logs: string[] = [];
  const r = await engineHandlers.device({ device: 'auto', options: true }, ctx(logs));
  assert.equal(r.setting, 'auto');
  assert.equal(r.provider, 'cpu');
  assert.equal(r.title, 'CPU');
  assert.equal(r.line, `CPU: no GPU adapter found (CUDA: the CUDA provider library is not installed; WebGPU: ${WEBGPU_REASON})`);
  assert.deepEqual(r.skipped.map((s) => s.provider), ['cuda', 'webgpu'], 'DirectML and CoreML are not candidates on Linux');
  assert.equal(r.error, undefined);
  assert.deepEqual(r.options?.map((o) => [o.setting, o.available]), [['auto', true], ['cpu', true], ['cuda', false], ['webgpu', false]]);
  assert.deepEqual(r.options?.find((o) => o.setting === 'webgpu'), { setting: 'webgpu', title: 'WebGPU', available: false, detail: WEBGPU_REASON });
  assert.ok(logs.some((l) => l.startsWith('device: WebGPU not used')), 'the skip reason reaches the log');
  // A second request (another setting, options again) probes nothing new: once per worker.
  const again = await engineHandlers.device({ device: 'cpu', options: true }, ctx());
  assert.equal(again.provider, 'cpu');
  assert.deepEqual(env.tried, ['webgpu']);
});

test('device request with a WebGPU adapter names the API and the adapter; options come only when asked', async () => {
  setProbeEnv(fakeEnv({ works: ['webgpu'], adapter: 'NVIDIA H100 80GB HBM3' }));
  const r = await engineHandlers.device({}, ctx());
  assert.deepEqual(r, {
    setting: 'auto', provider: 'webgpu', title: 'WebGPU', line: 'GPU: WebGPU/Vulkan, NVIDIA H100 80GB HBM3',
    skipped: [{ provider: 'cuda', title: 'CUDA', reason: 'the CUDA provider library is not installed' }],
  });
});

test('with CUDA chosen, the providers ranked after it are probed for the options once per worker', async () => {
  const env = fakeEnv({ works: ['cuda', 'webgpu'], cudaLib: true, adapter: 'NVIDIA A10' });
  setProbeEnv(env);
  const r = await engineHandlers.device({ options: true }, ctx());
  assert.equal(r.line, 'GPU: CUDA, NVIDIA A10');
  assert.deepEqual(r.options?.filter((o) => o.available).map((o) => o.setting), ['auto', 'cpu', 'cuda', 'webgpu']);
  await engineHandlers.device({ options: true }, ctx());
  assert.deepEqual(env.tried, ['cuda', 'webgpu']);
});

test('a named provider that cannot run is a DEVICE_UNAVAILABLE answer, an unknown setting a BAD_ARGUMENT error', async () => {
  setProbeEnv(fakeEnv({ works: [] }));
  const r = await engineHandlers.device({ device: 'webgpu', options: true }, ctx());
  assert.equal(r.provider, undefined);
  assert.equal(r.error?.code, 'DEVICE_UNAVAILABLE');
  assert.match(r.line, /^WebGPU cannot run here: Failed to get a WebGPU adapter/);
  assert.equal(r.options?.length, 4, 'the options still come with it');
  await assert.rejects(engineHandlers.device({ device: 'tpu' as Device }, ctx()), (e: unknown) => e instanceof AnomalyLensError && e.code === 'BAD_ARGUMENT');
});

test('device options reuse a resolved auto instead of probing its providers again', async () => {
  const env = fakeEnv({ works: [] });
  const auto = await selectDevice('auto', env);
  await deviceOptions(env, auto);
  assert.deepEqual(env.tried, ['webgpu']);
});

const cpuReport = (over: Partial<DeviceReport> = {}): DeviceReport => ({
  setting: 'auto', provider: 'cpu', title: 'CPU', line: `CPU: no GPU adapter found (WebGPU: ${WEBGPU_REASON})`, skipped: [], ...over,
});

test('status bar: the setting alone until a worker reports, then CPU or the GPU with the CLI line as tooltip', () => {
  const pending = deviceStatus('auto', undefined);
  assert.equal(pending.text, '$(chip) auto');
  assert.match(pending.tooltip, /shows once the engine runs/);
  const cpu = deviceStatus('auto', cpuReport());
  assert.equal(cpu.text, '$(chip) CPU');
  assert.match(cpu.tooltip, /^CPU: no GPU adapter found \(WebGPU: Failed to get a WebGPU adapter/);
  const gpu = deviceStatus('auto', cpuReport({ provider: 'webgpu', title: 'WebGPU', line: 'GPU: WebGPU/Vulkan, NVIDIA H100' }));
  assert.equal(gpu.text, '$(chip) GPU: WebGPU');
  assert.match(gpu.tooltip, /^GPU: WebGPU\/Vulkan, NVIDIA H100\nSetting "auto"/);
  assert.match(deviceStatus('auto', cpuReport({ provider: 'webgpu', title: 'WebGPU' }), 'cpu').tooltip, /backbone graph opened on cpu/);
  assert.doesNotMatch(gpu.tooltip, /backbone/);
  // A report for another setting (the setting just changed) is not shown as this one's.
  assert.equal(deviceStatus('cpu', cpuReport()).text, '$(chip) cpu');
  const down = deviceStatus('webgpu', cpuReport({
    setting: 'webgpu', provider: undefined, title: undefined, line: 'WebGPU cannot run here: no adapter',
    error: { code: 'DEVICE_UNAVAILABLE', message: 'WebGPU cannot run here: no adapter', hint: 'choose device "auto" or "cpu"' },
  }));
  assert.equal(down.text, '$(warning) webgpu unavailable');
  assert.match(down.tooltip, /^WebGPU cannot run here: no adapter\nTo run anyway: choose device "auto" or "cpu"\./);
});

const OPTIONS_NO_GPU: DeviceOptionInfo[] = [
  { setting: 'auto', title: 'auto', available: true, detail: 'CPU: no GPU adapter found' },
  { setting: 'cpu', title: 'CPU', available: true, detail: 'CPU' },
  { setting: 'cuda', title: 'CUDA', available: false, detail: 'the CUDA provider library is not installed' },
  { setting: 'webgpu', title: 'WebGPU', available: false, detail: WEBGPU_REASON },
];

test('Select Device offers only what runs here, auto with what it resolves to, and says what was not found', () => {
  const p = devicePick('auto', OPTIONS_NO_GPU);
  assert.deepEqual(p.items.map((i) => i.setting), ['auto', 'cpu']);
  assert.equal(p.items[0].description, 'CPU: no GPU adapter found (current)');
  assert.match(p.items[0].detail ?? '', /Not available: CUDA \(the CUDA provider library is not installed\); WebGPU \(Failed to get a WebGPU adapter/);
  assert.equal(p.items[1].description, 'CPU, always available');
  assert.equal(p.placeholder, 'Execution device (now auto). Not found here: CUDA, WebGPU');

  const gpu: DeviceOptionInfo[] = OPTIONS_NO_GPU.map((o) =>
    o.setting === 'webgpu' ? { ...o, available: true, detail: 'GPU: WebGPU/Vulkan, NVIDIA H100' } : o.setting === 'auto' ? { ...o, detail: 'GPU: WebGPU/Vulkan, NVIDIA H100' } : o);
  const g = devicePick('cpu', gpu);
  assert.deepEqual(g.items.map((i) => [i.setting, i.description]), [
    ['auto', 'GPU: WebGPU/Vulkan, NVIDIA H100'], ['cpu', 'CPU, always available (current)'], ['webgpu', 'GPU: WebGPU/Vulkan, NVIDIA H100'],
  ]);
  assert.equal(g.placeholder, 'Execution device (now cpu). Not found here: CUDA');
  // A setting that cannot run here (or belongs to another platform) is named as such, not offered.
  assert.match(devicePick('webgpu', OPTIONS_NO_GPU).placeholder, /^Execution device: now webgpu, which cannot run here\./);
  assert.match(devicePick('dml', OPTIONS_NO_GPU).placeholder, /now dml, which cannot run here/);
  assert.equal(devicePick('auto', OPTIONS_NO_GPU.slice(0, 2)).placeholder, 'Execution device (now auto)');
});

/** A host with a worker that may or may not run, answering `device` requests when told. */
function host(running: boolean) {
  const state = { running, changed: 0, logs: [] as string[] };
  const calls: { params: { device: Device; options?: boolean }; resolve: (r: DeviceReport) => void; reject: (e: unknown) => void }[] = [];
  const reports: DeviceReports = new DeviceReports({
    running: () => state.running,
    request: (params) => {
      if (!state.running) {
        state.running = true;
        reports.workerStarted(); // the client calls this while the starting request is sent
      }
      return new Promise((resolve, reject) => calls.push({ params, resolve, reject }));
    },
    changed: () => state.changed++,
    log: (l) => state.logs.push(l),
  });
  return { state, calls, reports };
}

test('reports: nothing is asked while no worker runs; a running worker is asked once per setting', async () => {
  const h = host(false);
  assert.equal(h.reports.get('auto'), undefined);
  assert.equal(h.calls.length, 0, 'reading never starts a worker');
  h.state.running = true;
  assert.equal(h.reports.get('auto'), undefined);
  assert.equal(h.reports.get('auto'), undefined);
  assert.equal(h.calls.length, 1, 'one request while it is in flight');
  assert.deepEqual(h.calls[0].params, { device: 'auto' });
  h.calls[0].resolve(cpuReport());
  await new Promise((r) => setImmediate(r));
  assert.equal(h.state.changed, 1);
  assert.equal(h.reports.get('auto')?.provider, 'cpu');
  // A failed request is logged and not repeated for this worker (no loop of redraws and requests).
  h.reports.get('cpu');
  h.calls[1].reject(new AnomalyLensError('INTERNAL', 'worker died'));
  await new Promise((r) => setImmediate(r));
  h.reports.get('cpu');
  assert.equal(h.calls.length, 2);
  assert.match(h.state.logs[0], /worker died/);
});

test('reports: a new worker forgets the old answers and redraws on the next turn; a cancelled answer is not logged', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const h = host(false);
  const asked = h.reports.ask('auto', true); // Select Device starts the worker
  assert.deepEqual(h.calls[0].params, { device: 'auto', options: true });
  assert.equal(h.state.changed, 0, 'no redraw while the starting request is being sent');
  t.mock.timers.tick(0);
  assert.equal(h.state.changed, 1);
  h.calls[0].resolve(cpuReport({ options: OPTIONS_NO_GPU }));
  assert.equal((await asked).options?.length, 4);
  assert.equal(h.reports.get('auto')?.provider, 'cpu', 'the answer of the worker it started is kept');
  // The worker restarts (the setting changed): the old answer goes, the late one of the old worker is dropped.
  h.reports.get('cpu');
  h.state.running = false;
  void h.reports.ask('webgpu', false);
  assert.equal(h.reports.get('auto'), undefined, 'forgotten, and asked of the new worker');
  assert.deepEqual(h.calls.map((c) => c.params.device), ['auto', 'cpu', 'webgpu', 'auto']);
  h.calls[1].resolve(cpuReport({ setting: 'cpu' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.reports.get('cpu'), undefined, "the old worker's late answer is dropped");
  h.calls[3].reject(new AnomalyLensError('CANCELLED', 'stopped'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.state.logs, []);
});
