import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUTO_ORDER, deviceOptions, NO_GPU_LABEL, selectDevice, shortReason } from '../../src/core/onnx/device';
import { linuxAdapterName, sharedLibraryFindable } from '../../src/core/onnx/probe';
import { createSession, resolveDevice, setProbeEnv, tensor } from '../../src/core/onnx/runtime';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { realProbeEnv } from '../../src/core/onnx/probe';
import { AnomalyLensError } from '../../src/shared/errors';
import { fakeEnv } from './probeFake';

test('auto tries CUDA, WebGPU, DirectML, CoreML in that order, then CPU', () => {
  assert.deepEqual(AUTO_ORDER, ['cuda', 'webgpu', 'dml', 'coreml']);
});

test('auto on Linux with a Vulkan GPU and no CUDA library picks WebGPU and names the adapter', async () => {
  const env = fakeEnv({ works: ['webgpu'], adapter: 'NVIDIA H100 80GB HBM3' });
  const logs: string[] = [];
  const c = await selectDevice('auto', env, (l) => logs.push(l));
  assert.equal(c.provider, 'webgpu');
  assert.equal(c.label, 'GPU: WebGPU/Vulkan, NVIDIA H100 80GB HBM3');
  // CUDA is skipped without a probe: its library is not installed.
  assert.deepEqual(env.tried, ['webgpu']);
  assert.deepEqual(c.skipped, [{ provider: 'cuda', reason: 'the CUDA provider library is not installed' }]);
  assert.deepEqual(logs, ['device: CUDA not used (the CUDA provider library is not installed)']);
});

test('auto prefers CUDA when its library is installed and it runs', async () => {
  const env = fakeEnv({ works: ['cuda', 'webgpu'], cudaLib: true, adapter: 'NVIDIA A10' });
  const c = await selectDevice('auto', env);
  assert.equal(c.provider, 'cuda');
  assert.equal(c.label, 'GPU: CUDA, NVIDIA A10');
  assert.deepEqual(env.tried, ['cuda']);
});

test('auto falls back from a CUDA that fails to WebGPU, logging the reason once', async () => {
  const env = fakeEnv({ works: ['webgpu'], cudaLib: true });
  const logs: string[] = [];
  const c = await selectDevice('auto', env, (l) => logs.push(l));
  assert.equal(c.provider, 'webgpu');
  assert.equal(c.label, 'GPU: WebGPU/Vulkan');
  assert.deepEqual(env.tried, ['cuda', 'webgpu']);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^device: CUDA not used \(Failed to get a WebGPU adapter: No supported adapters\)$/);
});

test('auto on a machine without a GPU ends on CPU with "no GPU adapter found"', async () => {
  const env = fakeEnv({ works: [] });
  const logs: string[] = [];
  const c = await selectDevice('auto', env, (l) => logs.push(l));
  assert.equal(c.provider, 'cpu');
  assert.equal(c.label, NO_GPU_LABEL);
  assert.deepEqual(env.tried, ['webgpu']);
  // DirectML and CoreML belong to other platforms: skipped without a probe or a log line.
  assert.deepEqual(c.skipped.map((s) => s.provider), ['cuda', 'webgpu', 'dml', 'coreml']);
  assert.equal(logs.length, 2);
});

test('auto without a Vulkan loader never opens WebGPU', async () => {
  const env = fakeEnv({ works: ['webgpu'], vulkan: false });
  const c = await selectDevice('auto', env);
  assert.equal(c.provider, 'cpu');
  assert.deepEqual(env.tried, []);
  assert.match(c.skipped.find((s) => s.provider === 'webgpu')!.reason, /libvulkan/);
});

test('auto on Windows tries WebGPU (D3D12) before DirectML', async () => {
  const backends = [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'dml', bundled: true }];
  const env = fakeEnv({ platform: 'win32', works: ['dml'], backends });
  const c = await selectDevice('auto', env);
  assert.equal(c.provider, 'dml');
  assert.equal(c.label, 'GPU: DirectML');
  assert.deepEqual(env.tried, ['webgpu', 'dml']);
  const mac = fakeEnv({ platform: 'darwin', works: ['webgpu'], backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'coreml', bundled: true }] });
  assert.equal((await selectDevice('auto', mac)).label, 'GPU: WebGPU/Metal');
});

test('a provider the binary lacks is skipped without a probe', async () => {
  const env = fakeEnv({ works: ['webgpu'], backends: [{ name: 'cpu', bundled: true }] });
  const c = await selectDevice('auto', env);
  assert.equal(c.provider, 'cpu');
  assert.deepEqual(env.tried, []);
});

test('an explicit GPU device that cannot run is a DEVICE_UNAVAILABLE error, not a silent CPU run', async () => {
  await assert.rejects(selectDevice('webgpu', fakeEnv({ works: [] })), (e: unknown) => {
    assert.ok(e instanceof AnomalyLensError);
    assert.equal(e.code, 'DEVICE_UNAVAILABLE');
    assert.match(e.message, /^WebGPU cannot run here: Failed to get a WebGPU adapter/);
    assert.match(e.hint ?? '', /auto/);
    return true;
  });
  await assert.rejects(selectDevice('dml', fakeEnv()), /DirectML cannot run here: DirectML runs on win32 only/);
  assert.equal((await selectDevice('webgpu', fakeEnv({ works: ['webgpu'] }))).provider, 'webgpu');
  assert.equal((await selectDevice('cpu', fakeEnv())).provider, 'cpu');
});

test('device options list what runs here and why the rest cannot', async () => {
  const none = await deviceOptions(fakeEnv({ works: [] }));
  assert.deepEqual(none.filter((o) => o.available).map((o) => o.setting), ['auto', 'cpu']);
  assert.equal(none[0].detail, NO_GPU_LABEL);
  const gpu = await deviceOptions(fakeEnv({ works: ['webgpu'], adapter: 'NVIDIA H100' }));
  assert.deepEqual(gpu.filter((o) => o.available).map((o) => o.setting), ['auto', 'cpu', 'webgpu']);
  assert.equal(gpu.find((o) => o.setting === 'webgpu')!.detail, 'GPU: WebGPU/Vulkan, NVIDIA H100');
});

test('onnxruntime reasons are cut to their message', () => {
  assert.equal(
    shortReason(new Error('/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters')),
    'Failed to get a WebGPU adapter: No supported adapters',
  );
  assert.equal(shortReason(new Error('/a/b/file.cc:12 something broke\nstack')), 'something broke');
});

test('the Vulkan loader and the NVIDIA adapter name are read from the files the OS keeps', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-device-'));
  try {
    const cache = path.join(dir, 'ld.so.cache');
    fs.writeFileSync(cache, Buffer.concat([Buffer.from('glibc-ld.so.cache1.1\0libc.so.6\0'), Buffer.from('libvulkan.so.1\0/usr/lib/x86_64-linux-gnu/libvulkan.so.1\0')]));
    assert.equal(sharedLibraryFindable('libvulkan.so.1', {}, cache), true);
    assert.equal(sharedLibraryFindable('libvulkan.so.2', {}, cache), false);
    fs.writeFileSync(path.join(dir, 'libfoo.so.1'), '');
    assert.equal(sharedLibraryFindable('libfoo.so.1', { LD_LIBRARY_PATH: `/nowhere:${dir}` }, path.join(dir, 'missing')), true);
    const gpus = path.join(dir, 'gpus', '0000:00:05.0');
    fs.mkdirSync(gpus, { recursive: true });
    fs.writeFileSync(path.join(gpus, 'information'), 'Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 40\n');
    assert.equal(linuxAdapterName(path.join(dir, 'gpus')), 'NVIDIA H100 80GB HBM3');
    assert.equal(linuxAdapterName(path.join(dir, 'none')), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sessions follow the selected device and are probed once per thread', async () => {
  const env = fakeEnv({ works: [] });
  setProbeEnv(env);
  try {
    const logs: string[] = [];
    const g = new GraphBuilder('t');
    g.output(g.relu(g.input('x', [2])), 'y', [2]);
    const s1 = await createSession(g.toModel(), { device: 'auto', threads: 1, log: (l) => logs.push(l) });
    const s2 = await createSession(g.toModel(), { device: 'auto', threads: 1, log: (l) => logs.push(l) });
    assert.equal(s1.provider, 'cpu');
    const y = await s2.run({ x: tensor(Float32Array.from([-1, 2]), [2]) });
    assert.deepEqual([...(y.y.data as Float32Array)], [0, 2]);
    await s1.release();
    await s2.release();
    assert.deepEqual(env.tried, ['webgpu'], 'one probe for both sessions');
    assert.equal(logs.length, 2, 'each GPU provider passed over is logged once');
    assert.equal((await resolveDevice('auto')).label, NO_GPU_LABEL);
    await assert.rejects(createSession(g.toModel(), { device: 'webgpu', threads: 1 }), /DEVICE_UNAVAILABLE|WebGPU cannot run here/);
  } finally {
    setProbeEnv(realProbeEnv);
  }
});

test('this machine: auto resolves to a provider that opens (CPU here when no GPU adapter exists)', async () => {
  const c = await resolveDevice('auto');
  if (c.provider === 'cpu') assert.equal(c.label, NO_GPU_LABEL);
  else assert.match(c.label, /^GPU: /);
});
