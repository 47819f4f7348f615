/**
 * Decodes TF.js weight shards (the `weightsManifest` of a model.json) into float32 arrays,
 * dequantising uint8/uint16 weights the way TF.js does: value = q * scale + min.
 */

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface DecodedWeight {
  shape: number[];
  data: Float32Array;
}

export type WeightMap = Map<string, DecodedWeight>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Joins the shards of one group into a single byte buffer (TF.js lays weights out back to back). */
export function concatShards(shards: Uint8Array[]): Uint8Array {
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    out.set(s, at);
    at += s.byteLength;
  }
  return out;
}

/**
 * Decodes every weight of `groups`; `shardsFor(path)` returns the bytes of one shard.
 * Supports float32 weights (plain or uint8/uint16-quantised) and plain int32 constants.
 */
export function decodeWeights(groups: TfjsWeightGroup[], shardsFor: (path: string) => Uint8Array): WeightMap {
  const out: WeightMap = new Map();
  for (const group of groups) {
    const buf = concatShards(group.paths.map(shardsFor));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      const storedType = q ? q.dtype : spec.dtype;
      const width = BYTES[storedType];
      if (width === undefined) throw new Error(`weight ${spec.name}: unsupported stored dtype ${storedType}`);
      if (spec.dtype !== 'float32' && !(spec.dtype === 'int32' && !q)) {
        throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
      }
      if (at + n * width > buf.byteLength) {
        throw new Error(`weight ${spec.name}: shards end at byte ${buf.byteLength}, weight needs ${at + n * width}`);
      }
      const data = new Float32Array(n);
      if (!q && spec.dtype === 'int32') {
        // Small integer constants (paddings, axes) are carried as floats; exact below 2^24.
        for (let i = 0; i < n; i++) data[i] = view.getInt32(at + 4 * i, true);
      } else if (!q) {
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        if (q.scale === undefined || q.min === undefined) throw new Error(`weight ${spec.name}: quantisation lacks scale/min`);
        const scale = q.scale;
        const min = q.min;
        for (let i = 0; i < n; i++) {
          const v = q.dtype === 'uint8' ? buf[at + i] : view.getUint16(at + 2 * i, true);
          data[i] = v * scale + min;
        }
      } else {
        throw new Error(`weight ${spec.name}: unsupported quantisation ${q.dtype}`);
      }
      out.set(spec.name, { shape: spec.shape, data });
      at += n * width;
    }
  }
  return out;
}
