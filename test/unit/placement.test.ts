import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { describePlacement, graphOfProfileFile, placementOf, readPlacements } from '../../src/core/onnx/placement';
import { createSession, tensor } from '../../src/core/onnx/runtime';

const node = (name: string, op: string, provider: string): unknown => ({ cat: 'Node', name: `${name}_kernel_time`, args: { op_name: op, provider } });

test('placement counts distinct nodes per provider and names the CPU fallbacks', () => {
  const events = [
    { cat: 'Session', name: 'session_initialization', args: {} },
    node('score_n_MatMul_1', 'MatMul', 'WebGpuExecutionProvider'),
    node('score_n_MatMul_1', 'MatMul', 'WebGpuExecutionProvider'), // a second run of the same node
    node('score_n_Add_2', 'Add', 'WebGpuExecutionProvider'),
    node('score_n_TopK_3', 'TopK', 'CPUExecutionProvider'),
    node('Memcpy_token_4', 'MemcpyToHost', 'WebGpuExecutionProvider'),
  ];
  const p = placementOf('score', events);
  assert.deepEqual(p.nodes, { WebGpuExecutionProvider: 2, CPUExecutionProvider: 1 });
  assert.deepEqual(p.cpuFallbackOps, ['TopK']);
  assert.equal(p.copies, 1);
  assert.equal(describePlacement(p), '2 WebGPU, 1 CPU (TopK), 1 copies');
  // A graph that ran on CPU alone has no fallbacks: CPU was its device.
  assert.deepEqual(placementOf('g', [node('a', 'Relu', 'CPUExecutionProvider')]).cpuFallbackOps, []);
  assert.equal(graphOfProfileFile('/x/train_step.1234.7_2026-12-06_16-09-21_739.json'), 'train_step');
});

test('ANOMALY_LENS_ORT_PROFILE makes every session write a profile that readPlacements counts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-prof-'));
  process.env.ANOMALY_LENS_ORT_PROFILE = dir;
  try {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', [2, 2]);
    g.output(g.relu(g.matmul(x, g.add(x, x))), 'y', [2, 2]);
    const s = await createSession(g.toModel(), { device: 'cpu', threads: 1 });
    await s.run({ x: tensor(new Float32Array(4), [2, 2]) });
    await s.release();
    const placements = await readPlacements(dir);
    assert.equal(placements.length, 1);
    assert.equal(placements[0].graph, 'tiny');
    assert.deepEqual(placements[0].nodes, { CPUExecutionProvider: 3 });
  } finally {
    delete process.env.ANOMALY_LENS_ORT_PROFILE;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
