/**
 * A minimal protobuf reader for ONNX ModelProto: enough to take a backbone's graph (nodes,
 * initializers, inputs/outputs, opset imports, metadata) and re-emit it with the writer in
 * proto.ts. Field numbers follow onnx/onnx.proto. Fields the export never needs (value_info,
 * doc strings, training info, functions) are skipped; features it cannot carry faithfully
 * (external data, sparse initializers, string tensors) throw OnnxReadError naming the problem.
 */
import type { AttributeValue, DataTypeId, GraphProtoInit, NodeProtoInit, TensorProtoInit, ValueInfoInit } from './proto';

export class OnnxReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxReadError';
  }
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ReadModel {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  graph: GraphProtoInit;
  metadata: Record<string, string>;
}

/** ONNX TensorProto.DataType → element size in bytes (for converting typed fields to raw_data). */
const ELEM_SIZE: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

const utf8 = new TextDecoder('utf-8');

/** Cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new OnnxReadError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new OnnxReadError('varint longer than 64 bits');
    }
  }

  /** A signed int64 as a number when it is safe, else as a bigint. */
  int(): number | bigint {
    const v = BigInt.asIntN(64, this.varint());
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  num(): number {
    const v = this.int();
    if (typeof v === 'bigint') throw new OnnxReadError(`integer ${v} out of range`);
    return v;
  }

  tag(): { field: number; wire: number } {
    const t = Number(this.varint());
    return { field: t >>> 3, wire: t & 7 };
  }

  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.end) throw new OnnxReadError('length-delimited field runs past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  sub(): Reader {
    const b = this.bytes();
    return new Reader(b);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  float(): number {
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return dv.getFloat32(0, true);
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new OnnxReadError(`unsupported wire type ${wire}`);
    }
  }

  /** Repeated varint field: packed (wire 2) or one value (wire 0). */
  ints(wire: number, into: (number | bigint)[]): void {
    if (wire === 2) {
      const r = this.sub();
      while (!r.done) into.push(r.int());
    } else into.push(this.int());
  }

  floats(wire: number, into: number[]): void {
    if (wire === 2) {
      const r = this.sub();
      while (!r.done) into.push(r.float());
    } else into.push(this.float());
  }
}

function fieldLoop(r: Reader, on: (field: number, wire: number) => boolean): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    if (!on(field, wire)) r.skip(wire);
  }
}

const toNumbers = (xs: (number | bigint)[], what: string): number[] =>
  xs.map((x) => {
    if (typeof x === 'bigint') throw new OnnxReadError(`${what}: value ${x} out of range`);
    return x;
  });

function readTensor(r: Reader): TensorProtoInit {
  const dims: (number | bigint)[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const floatData: number[] = [];
  const int32Data: (number | bigint)[] = [];
  const int64Data: (number | bigint)[] = [];
  const doubleData: number[] = [];
  const uint64Data: (number | bigint)[] = [];
  let external = false;
  let strings = false;
  fieldLoop(r, (f, w) => {
    if (f === 1) r.ints(w, dims);
    else if (f === 2) dataType = r.num();
    else if (f === 8) name = r.string();
    else if (f === 9) raw = r.bytes().slice();
    else if (f === 4) r.floats(w, floatData);
    else if (f === 5) r.ints(w, int32Data);
    else if (f === 7) r.ints(w, int64Data);
    else if (f === 11) r.ints(w, uint64Data);
    else if (f === 10) {
      if (w === 2) {
        const b = r.bytes();
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        for (let i = 0; i + 8 <= b.length; i += 8) doubleData.push(dv.getFloat64(i, true));
      } else {
        const dv = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8);
        doubleData.push(dv.getFloat64(0, true));
        r.pos += 8;
      }
    } else if (f === 13) {
      external = true;
      r.skip(w);
    } else if (f === 14) external = r.num() === 1 || external;
    else if (f === 6) {
      strings = true;
      r.skip(w);
    } else return false;
    return true;
  });
  if (external) throw new OnnxReadError(`tensor '${name}' keeps its data in an external file; save the model with all tensors inside it`);
  if (strings || dataType === 8) throw new OnnxReadError(`tensor '${name}' holds strings, which the export does not carry`);
  const shape = toNumbers(dims, `tensor '${name}' dims`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!raw) raw = typedToRaw(name, dataType, count, { floatData, int32Data, int64Data, doubleData, uint64Data });
  const size = ELEM_SIZE[dataType];
  if (size === undefined) throw new OnnxReadError(`tensor '${name}' has unsupported data type ${dataType}`);
  if (raw.length !== count * size) throw new OnnxReadError(`tensor '${name}': ${raw.length} bytes for dims [${shape.join(',')}] of type ${dataType}`);
  return { name, dataType: dataType as DataTypeId, dims: shape, raw };
}

/** The typed repeated fields of TensorProto, re-encoded as little-endian raw bytes. */
function typedToRaw(
  name: string,
  dataType: number,
  count: number,
  d: { floatData: number[]; int32Data: (number | bigint)[]; int64Data: (number | bigint)[]; doubleData: number[]; uint64Data: (number | bigint)[] },
): Uint8Array {
  const size = ELEM_SIZE[dataType];
  if (size === undefined) throw new OnnxReadError(`tensor '${name}' has unsupported data type ${dataType}`);
  const out = new Uint8Array(count * size);
  const dv = new DataView(out.buffer);
  const need = (n: number, field: string) => {
    if (n !== count) throw new OnnxReadError(`tensor '${name}': ${n} values in ${field}, dims say ${count}`);
  };
  if (dataType === 1) {
    need(d.floatData.length, 'float_data');
    d.floatData.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  } else if (dataType === 11) {
    need(d.doubleData.length, 'double_data');
    d.doubleData.forEach((v, i) => dv.setFloat64(i * 8, v, true));
  } else if (dataType === 7) {
    need(d.int64Data.length, 'int64_data');
    d.int64Data.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  } else if (dataType === 12 || dataType === 13) {
    need(d.uint64Data.length, 'uint64_data');
    d.uint64Data.forEach((v, i) => (size === 8 ? dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v)), true) : dv.setUint32(i * 4, Number(v) >>> 0, true)));
  } else {
    // int32_data carries INT32, INT16, INT8, UINT8, UINT16, BOOL and FLOAT16 (as bit patterns).
    need(d.int32Data.length, 'int32_data');
    d.int32Data.forEach((v, i) => {
      const n = Number(v);
      if (size === 4) dv.setInt32(i * 4, n, true);
      else if (size === 2) dv.setUint16(i * 2, n & 0xffff, true);
      else dv.setUint8(i, n & 0xff);
    });
  }
  return out;
}

function readValueInfo(r: Reader): ValueInfoInit {
  let name = '';
  let elemType = 0;
  let shape: (number | string)[] | undefined;
  let unknown = 0;
  fieldLoop(r, (f, w) => {
    if (f === 1) name = r.string();
    else if (f === 2) {
      const t = r.sub();
      fieldLoop(t, (tf) => {
        if (tf !== 1) return false;
        const tt = t.sub();
        fieldLoop(tt, (ttf) => {
          if (ttf === 1) elemType = tt.num();
          else if (ttf === 2) {
            shape = [];
            const s = tt.sub();
            fieldLoop(s, (sf) => {
              if (sf !== 1) return false;
              const dim = s.sub();
              let value: number | string | undefined;
              fieldLoop(dim, (df) => {
                if (df === 1) value = dim.num();
                else if (df === 2) value = dim.string();
                else return false;
                return true;
              });
              // A dimension with neither value nor name is unknown: give it a unique symbol.
              shape!.push(value ?? `unk_${name}_${unknown++}`);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    void w;
    return true;
  });
  return { name, elemType: elemType as DataTypeId, shape };
}

function readAttribute(r: Reader): [string, AttributeValue] {
  let name = '';
  let type = 0;
  let f = 0;
  let i: number | bigint = 0;
  let s: Uint8Array = new Uint8Array();
  let t: TensorProtoInit | undefined;
  let g: GraphProtoInit | undefined;
  const floats: number[] = [];
  const ints: (number | bigint)[] = [];
  const strings: string[] = [];
  const tensors: TensorProtoInit[] = [];
  const graphs: GraphProtoInit[] = [];
  let refAttr = false;
  fieldLoop(r, (field, wire) => {
    if (field === 1) name = r.string();
    else if (field === 20) type = r.num();
    else if (field === 2) f = r.float();
    else if (field === 3) i = r.int();
    else if (field === 4) s = r.bytes();
    else if (field === 5) t = readTensor(r.sub());
    else if (field === 6) g = readGraph(r.sub());
    else if (field === 7) r.floats(wire, floats);
    else if (field === 8) r.ints(wire, ints);
    else if (field === 9) strings.push(r.string());
    else if (field === 10) tensors.push(readTensor(r.sub()));
    else if (field === 11) graphs.push(readGraph(r.sub()));
    else if (field === 21) {
      refAttr = true;
      r.skip(wire);
    } else return false;
    return true;
  });
  if (refAttr) throw new OnnxReadError(`attribute '${name}' refers to a function attribute; functions are not supported`);
  switch (type) {
    case 1:
      return [name, { kind: 'float', value: f }];
    case 2:
      return [name, { kind: 'int', value: i }];
    case 3:
      return [name, { kind: 'string', value: utf8.decode(s) }];
    case 4:
      if (!t) throw new OnnxReadError(`attribute '${name}' has no tensor`);
      return [name, { kind: 'tensor', value: t }];
    case 5:
      if (!g) throw new OnnxReadError(`attribute '${name}' has no graph`);
      return [name, { kind: 'graph', value: g }];
    case 6:
      return [name, { kind: 'floats', value: floats }];
    case 7:
      return [name, { kind: 'ints', value: ints }];
    case 8:
      return [name, { kind: 'strings', value: strings }];
    case 9:
      return [name, { kind: 'tensors', value: tensors }];
    case 10:
      return [name, { kind: 'graphs', value: graphs }];
    default:
      throw new OnnxReadError(`attribute '${name}' has unsupported type ${type}`);
  }
}

function readNode(r: Reader): NodeProtoInit {
  const n: NodeProtoInit = { name: '', opType: '', inputs: [], outputs: [], attributes: {} };
  fieldLoop(r, (f) => {
    if (f === 1) n.inputs.push(r.string());
    else if (f === 2) n.outputs.push(r.string());
    else if (f === 3) n.name = r.string();
    else if (f === 4) n.opType = r.string();
    else if (f === 7) n.domain = r.string();
    else if (f === 5) {
      const [k, a] = readAttribute(r.sub());
      n.attributes[k] = a;
    } else return false;
    return true;
  });
  return n;
}

function readGraph(r: Reader): GraphProtoInit {
  const g: GraphProtoInit = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  fieldLoop(r, (f, w) => {
    if (f === 1) g.nodes.push(readNode(r.sub()));
    else if (f === 2) g.name = r.string();
    else if (f === 5) g.initializers.push(readTensor(r.sub()));
    else if (f === 11) g.inputs.push(readValueInfo(r.sub()));
    else if (f === 12) g.outputs.push(readValueInfo(r.sub()));
    else if (f === 15) throw new OnnxReadError('sparse initializers are not supported');
    else return false;
    void w;
    return true;
  });
  return g;
}

/** Parses a serialized ModelProto. Throws OnnxReadError on malformed or unsupported content. */
export function decodeModel(bytes: Uint8Array): ReadModel {
  const r = new Reader(bytes);
  const m: ReadModel = { irVersion: 0, opsetImports: [], producerName: '', producerVersion: '', graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] }, metadata: {} };
  let sawGraph = false;
  fieldLoop(r, (f) => {
    if (f === 1) m.irVersion = r.num();
    else if (f === 2) m.producerName = r.string();
    else if (f === 3) m.producerVersion = r.string();
    else if (f === 7) {
      m.graph = readGraph(r.sub());
      sawGraph = true;
    } else if (f === 8) {
      const o = r.sub();
      const imp: OpsetImport = { domain: '', version: 0 };
      fieldLoop(o, (of) => {
        if (of === 1) imp.domain = o.string();
        else if (of === 2) imp.version = o.num();
        else return false;
        return true;
      });
      m.opsetImports.push(imp);
    } else if (f === 14) {
      const e = r.sub();
      let key = '';
      let value = '';
      fieldLoop(e, (ef) => {
        if (ef === 1) key = e.string();
        else if (ef === 2) value = e.string();
        else return false;
        return true;
      });
      m.metadata[key] = value;
    } else if (f === 25) throw new OnnxReadError('model-local functions are not supported');
    else return false;
    return true;
  });
  if (!sawGraph) throw new OnnxReadError('no graph in the model (is this an ONNX file?)');
  return m;
}

/** The default-domain ("" or "ai.onnx") opset version a model imports, or undefined. */
export function defaultOpset(m: ReadModel): number | undefined {
  return m.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}
