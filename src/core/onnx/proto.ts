/**
 * A minimal protobuf writer for the subset of onnx.proto the project emits
 * (ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto, ValueInfoProto).
 * Field numbers follow onnx/onnx.proto (IR version 8).
 */

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (n > 0x7fn) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): void {
    const inner = new Writer();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
    this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export interface TensorProtoInit {
  name: string;
  dataType: DataTypeId;
  dims: number[];
  /** Little-endian raw bytes of the values. */
  raw: Uint8Array;
}

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: (number | bigint)[] }
  | { kind: 'tensor'; value: TensorProtoInit }
  | { kind: 'graph'; value: GraphProtoInit }
  // Lists of strings, tensors and graphs: only re-emitted from models read by reader.ts.
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensors'; value: TensorProtoInit[] }
  | { kind: 'graphs'; value: GraphProtoInit[] };

export interface NodeProtoInit {
  name: string;
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

export interface ValueInfoInit {
  name: string;
  elemType: DataTypeId;
  /** Numbers are fixed sizes; strings are symbolic (dynamic) dimensions. */
  shape?: (number | string)[];
}

export interface GraphProtoInit {
  name: string;
  nodes: NodeProtoInit[];
  initializers: TensorProtoInit[];
  inputs: ValueInfoInit[];
  outputs: ValueInfoInit[];
}

export interface ModelProtoInit {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: GraphProtoInit;
  metadata?: Record<string, string>;
  docString?: string;
}

function writeTensor(w: Writer, t: TensorProtoInit): void {
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

function writeValueInfo(w: Writer, v: ValueInfoInit): void {
  w.string(1, v.name);
  w.message(2, (tw) =>
    tw.message(1, (tt) => {
      tt.int(1, v.elemType);
      if (v.shape) {
        tt.message(2, (sw) => {
          for (const d of v.shape ?? []) {
            sw.message(1, (dw) => (typeof d === 'number' ? dw.int(1, d) : dw.string(2, d)));
          }
        });
      }
    }),
  );
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10 } as const;

function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  w.string(1, name);
  w.int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (tw) => writeTensor(tw, a.value));
      break;
    case 'graph':
      w.message(6, (gw) => writeGraph(gw, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'strings':
      for (const v of a.value) w.string(9, v);
      break;
    case 'tensors':
      for (const v of a.value) w.message(10, (tw) => writeTensor(tw, v));
      break;
    case 'graphs':
      for (const v of a.value) w.message(11, (gw) => writeGraph(gw, v));
      break;
  }
}

function writeNode(w: Writer, n: NodeProtoInit): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attributes)) w.message(5, (aw) => writeAttribute(aw, k, a));
  if (n.domain) w.string(7, n.domain);
}

function writeGraph(w: Writer, g: GraphProtoInit): void {
  for (const n of g.nodes) w.message(1, (nw) => writeNode(nw, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (tw) => writeTensor(tw, t));
  for (const v of g.inputs) w.message(11, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.message(12, (vw) => writeValueInfo(vw, v));
}

export function encodeModel(m: ModelProtoInit): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (gw) => writeGraph(gw, m.graph));
  w.message(8, (ow) => {
    ow.string(1, '');
    ow.int(2, m.opsetVersion);
  });
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (mw) => {
      mw.string(1, key);
      mw.string(2, value);
    });
  }
  return w.finish();
}
