import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { attr, GraphBuilder } from '../../src/core/onnx/builder';
import { encodeModel, type GraphProtoInit } from '../../src/core/onnx/proto';
import { decodeModel, defaultOpset, OnnxReadError } from '../../src/core/onnx/reader';
import { inlineGraph } from '../../src/core/export/inline';

const repoRoot = path.resolve(__dirname, '../..');

/** Hand-encoded protobuf pieces for fields our writer never emits. */
const varint = (v: number): number[] => {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const field = (n: number, wire: number) => varint((n << 3) | wire);
const lenDelim = (n: number, body: number[]) => [...field(n, 2), ...varint(body.length), ...body];
const str = (s: string) => [...new TextEncoder().encode(s)];
const f32 = (xs: number[]) => [...new Uint8Array(Float32Array.from(xs).buffer)];

function modelWith(graphBody: number[]): Uint8Array {
  return Uint8Array.from([...field(1, 0), 8, ...lenDelim(7, graphBody), ...lenDelim(8, [...field(2, 0), 17])]);
}

test('a model written by our writer decodes and re-encodes to identical bytes, all attribute kinds included', () => {
  const body = new GraphBuilder('body');
  body.input('i', []);
  body.input('cond', []);
  const x = body.input('x', [2]);
  body.output(body.op('Identity', [body.input('c', [])]), 'cond_out');
  body.output(body.add(x, body.constFloat([1, 1], [2])), 'x_out');
  const g = new GraphBuilder('g');
  const a = g.input('a', ['N', 2]);
  const y = g.op('Clip', [a], {});
  g.opN('Custom', [y], 1, {
    f: attr.float(0.25),
    i: attr.int(-3),
    big: { kind: 'int', value: 9223372036854775807n },
    s: attr.string('héllo'),
    fs: attr.floats([1.5, -2]),
    is: { kind: 'ints', value: [1, -1, 9223372036854775807n] },
    ss: { kind: 'strings', value: ['a', 'b'] },
    t: { kind: 'tensor', value: { name: 'tt', dataType: 1, dims: [2], raw: new Uint8Array(Float32Array.from([1, 2]).buffer) } },
    gr: attr.graph(body.graph()),
  }, ['z']);
  g.output('z', 'z');
  const bytes = g.toModel({ key: 'value' }, 'doc');
  const m = decodeModel(bytes);
  assert.equal(m.irVersion, 8);
  assert.equal(defaultOpset(m), 17);
  assert.deepEqual(m.metadata, { key: 'value' });
  const node = m.graph.nodes.find((n) => n.opType === 'Custom')!;
  assert.deepEqual(node.attributes.i, { kind: 'int', value: -3 });
  assert.deepEqual(node.attributes.big, { kind: 'int', value: 9223372036854775807n });
  assert.deepEqual(node.attributes.is, { kind: 'ints', value: [1, -1, 9223372036854775807n] });
  assert.deepEqual(node.attributes.ss, { kind: 'strings', value: ['a', 'b'] });
  assert.deepEqual(node.attributes.s, { kind: 'string', value: 'héllo' });
  assert.equal(node.attributes.gr.kind, 'graph');
  assert.deepEqual(m.graph.inputs[0], { name: 'a', elemType: 1, shape: ['N', 2] });
  const again = encodeModel({ irVersion: m.irVersion, opsetVersion: 17, producerName: m.producerName, producerVersion: m.producerVersion, graph: m.graph, metadata: m.metadata, docString: 'doc' });
  assert.deepEqual(Buffer.from(again), Buffer.from(bytes));
});

test('typed tensor fields (float_data, int64_data, int32_data for uint8) become raw little-endian bytes', () => {
  const floatT = lenDelim(5, [...lenDelim(1, varint(3)), ...field(2, 0), 1, ...lenDelim(4, f32([1, -2, 3.5])), ...lenDelim(8, str('w'))]);
  const int64T = lenDelim(5, [...lenDelim(1, varint(2)), ...field(2, 0), 7, ...lenDelim(7, [...varint(5), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), ...lenDelim(8, str('n'))]);
  const u8T = lenDelim(5, [...lenDelim(1, varint(2)), ...field(2, 0), 2, ...lenDelim(5, [...varint(7), ...varint(255)]), ...lenDelim(8, str('u'))]);
  const m = decodeModel(modelWith([...floatT, ...int64T, ...u8T]));
  const [w, n, u] = m.graph.initializers;
  assert.deepEqual(Array.from(new Float32Array(w.raw.slice().buffer)), [1, -2, 3.5]);
  assert.deepEqual(Array.from(new BigInt64Array(n.raw.slice().buffer)), [5n, -1n]);
  assert.deepEqual(Array.from(u.raw), [7, 255]);
});

test('external data, sparse initializers and non-ONNX bytes are refused with a reason', () => {
  const external = lenDelim(5, [...lenDelim(1, varint(1)), ...field(2, 0), 1, ...lenDelim(8, str('big')), ...field(14, 0), 1]);
  assert.throws(() => decodeModel(modelWith(external)), (e: unknown) => e instanceof OnnxReadError && /external file/.test(e.message));
  assert.throws(() => decodeModel(modelWith(lenDelim(15, []))), /sparse initializers/);
  assert.throws(() => decodeModel(new TextEncoder().encode('not a model at all')), OnnxReadError);
  assert.throws(() => decodeModel(Uint8Array.from([0x3a, 0x05, 1])), /past the end|truncated/);
});

test('inlining renames every name under a prefix and runs the same as the original', async () => {
  const inner = new GraphBuilder('inner');
  const x = inner.input('x', ['N', 3]);
  inner.output(inner.mul(inner.relu(x), inner.constFloat([2, 3, 4], [3], 'scale')), 'y', ['N', 3]);
  const innerGraph: GraphProtoInit = decodeModel(inner.toModel()).graph;
  const outer = new GraphBuilder('outer');
  const a = outer.input('a', ['N', 3]);
  // A value of ours called like the inner constant must not clash with it.
  outer.constFloat([100, 100, 100], [3], 'scale');
  const r1 = inlineGraph(outer, innerGraph, 'one/', { x: a });
  const r2 = inlineGraph(outer, innerGraph, 'two/', { x: r1.outputs.y });
  outer.output(outer.add(r2.outputs.y, 'scale'), 'out', ['N', 3]);
  assert.equal(r1.outputs.y, 'one/y');
  assert.throws(() => inlineGraph(outer, innerGraph, 'three/', {}), /input 'x' is not wired/);
  const s = await ort.InferenceSession.create(outer.toModel());
  const res = await s.run({ a: new ort.Tensor('float32', Float32Array.from([1, -1, 2]), [1, 3]) });
  assert.deepEqual(Array.from(res.out.data as Float32Array), [104, 100, 132]);
});

test('the bundled backbones decode and re-encode byte for byte', { skip: !fs.existsSync(path.join(repoRoot, 'models/mobilenetv2.onnx')) && 'models/ not built (npm run build)' }, () => {
  for (const id of ['mobilenetv2', 'inceptionv3']) {
    const file = path.join(repoRoot, 'models', `${id}.onnx`);
    if (!fs.existsSync(file)) continue;
    const bytes = new Uint8Array(fs.readFileSync(file));
    const m = decodeModel(bytes);
    assert.equal(defaultOpset(m), 17, id);
    assert.ok(m.graph.nodes.some((n) => n.opType === 'Conv'), id);
    const again = encodeModel({ irVersion: m.irVersion, opsetVersion: 17, producerName: m.producerName, producerVersion: m.producerVersion, graph: m.graph, metadata: m.metadata });
    assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), `${id} re-encodes identically`);
  }
});
