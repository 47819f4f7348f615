import {
  AttributeValue,
  DataType,
  DataTypeId,
  encodeModel,
  GraphProtoInit,
  NodeProtoInit,
  TensorProtoInit,
  ValueInfoInit,
} from './proto';

/** The opset and IR version every graph the project writes uses: widely supported (ORT ≥ 1.12). */
export const OPSET = 17;
export const IR_VERSION = 8;
/**
 * producer_version written into every ONNX graph the project emits. Fixed rather than the tool's
 * version: converted backbones are pinned by the sha256 of their bytes, which a release must not change.
 */
export const ONNX_PRODUCER_VERSION = '0.1.0';

export type Value = string;

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttributeValue => ({ kind: 'floats', value }),
  graph: (value: GraphProtoInit): AttributeValue => ({ kind: 'graph', value }),
};

function rawBytes(values: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function floatTensor(name: string, values: Float32Array | number[], dims: number[]): TensorProtoInit {
  const arr = values instanceof Float32Array ? values : Float32Array.from(values);
  checkSize(name, arr.length, dims);
  return { name, dataType: DataType.FLOAT, dims, raw: rawBytes(arr) };
}

export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): TensorProtoInit {
  checkSize(name, values.length, dims);
  return { name, dataType: DataType.INT64, dims, raw: rawBytes(BigInt64Array.from(values.map((v) => BigInt(v)))) };
}

function checkSize(name: string, n: number, dims: number[]): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== n) throw new Error(`tensor ${name}: ${n} values for dims [${dims.join(',')}]`);
}

/**
 * Builds an ONNX graph node by node. Names are generated unless given, so
 * graphs written by code read like the math they compute.
 */
export class GraphBuilder {
  private nodes: NodeProtoInit[] = [];
  private initializers: TensorProtoInit[] = [];
  private inputs: ValueInfoInit[] = [];
  private outputs: ValueInfoInit[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    return `${this.name}_${prefix}_${this.counter++}`;
  }

  input(name: string, shape: (number | string)[] | undefined, elemType: DataTypeId = DataType.FLOAT): Value {
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  /** Marks `v` as a graph output called `name` (adds an Identity when the names differ). */
  output(v: Value, name: string, shape?: (number | string)[], elemType: DataTypeId = DataType.FLOAT): void {
    if (v !== name) this.op('Identity', [v], {}, name);
    this.outputs.push({ name, elemType, shape });
  }

  initializer(t: TensorProtoInit): Value {
    this.initializers.push(t);
    return t.name;
  }

  constFloat(values: Float32Array | number[], dims: number[], name?: string): Value {
    return this.initializer(floatTensor(name ?? this.fresh('cf'), values, dims));
  }

  constInt64(values: number[], dims?: number[], name?: string): Value {
    return this.initializer(int64Tensor(name ?? this.fresh('ci'), values, dims));
  }

  /** One node with one output. */
  op(opType: string, inputs: Value[], attributes: Record<string, AttributeValue> = {}, outName?: string): Value {
    return this.opN(opType, inputs, 1, attributes, outName ? [outName] : undefined)[0];
  }

  opN(
    opType: string,
    inputs: Value[],
    nOutputs: number,
    attributes: Record<string, AttributeValue> = {},
    outNames?: string[],
  ): Value[] {
    const outputs = outNames ?? Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ name: this.fresh(`n_${opType}`), opType, inputs, outputs, attributes });
    return outputs;
  }

  graph(): GraphProtoInit {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }

  toModel(metadata: Record<string, string> = {}, docString?: string): Uint8Array {
    return encodeModel({
      irVersion: IR_VERSION,
      opsetVersion: OPSET,
      producerName: 'anomaly-lens',
      producerVersion: ONNX_PRODUCER_VERSION,
      graph: this.graph(),
      metadata,
      docString,
    });
  }

  // Small conveniences for the ops the method uses most.
  matmul(a: Value, b: Value): Value {
    return this.op('MatMul', [a, b]);
  }
  add(a: Value, b: Value): Value {
    return this.op('Add', [a, b]);
  }
  sub(a: Value, b: Value): Value {
    return this.op('Sub', [a, b]);
  }
  mul(a: Value, b: Value): Value {
    return this.op('Mul', [a, b]);
  }
  relu(a: Value): Value {
    return this.op('Relu', [a]);
  }
  transpose(a: Value, perm: number[]): Value {
    return this.op('Transpose', [a], { perm: attr.ints(perm) });
  }
  reduceSum(a: Value, axes: number[], keepdims = true): Value {
    return this.op('ReduceSum', [a, this.constInt64(axes)], { keepdims: attr.int(keepdims ? 1 : 0) });
  }
  reduceMean(a: Value, axes: number[], keepdims = true): Value {
    return this.op('ReduceMean', [a], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
  }
}
