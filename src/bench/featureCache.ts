/**
 * Patch features of a dataset extracted once per backbone and kept on disk, so every method,
 * shot and seed reuses them and memory holds only the images in use.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FeatureExtractor, PatchFeatures } from '../core/api';
import { decodeImage } from '../core/image/decode';
import { DEFAULT_MAX_PIXELS } from '../core/image/decodeOptions';
import type { BenchItem } from './datasets';

interface Meta {
  name: string;
  gridH: number;
  gridW: number;
  dim: number;
  globalDim: number;
  imageW: number;
  imageH: number;
  crop: PatchFeatures['crop'];
}

export class FeatureCache {
  private readonly metas = new Map<string, Meta>();
  /** Mean wall time of decode + extraction per image (ms). */
  extractMs = 0;

  constructor(readonly dir: string) {}

  private fileOf(name: string): string {
    return path.join(this.dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.f32`);
  }

  has(name: string): boolean {
    return this.metas.has(name);
  }

  /** True when the features are cached, in memory or on disk from an earlier run (then loaded into the index). */
  async restore(name: string): Promise<boolean> {
    if (this.metas.has(name)) return true;
    const meta = await fs.readFile(`${this.fileOf(name)}.json`, 'utf8').then(
      (t) => JSON.parse(t) as Meta,
      () => undefined,
    );
    if (!meta || meta.name !== name) return false;
    const size = await fs.stat(this.fileOf(name)).then((st) => st.size, () => -1);
    if (size !== (meta.gridH * meta.gridW * meta.dim + meta.globalDim) * 4) return false;
    this.metas.set(name, meta);
    return true;
  }

  /** Extracts features of every item not cached yet; failures are returned, not thrown. */
  async fill(extractor: FeatureExtractor, items: BenchItem[], onItem?: (done: number, total: number) => void): Promise<{ name: string; error: unknown }[]> {
    await fs.mkdir(this.dir, { recursive: true });
    const failures: { name: string; error: unknown }[] = [];
    let ms = 0;
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      onItem?.(i, items.length);
      if (await this.restore(it.name)) continue;
      try {
        const t0 = performance.now();
        const img = decodeImage(new Uint8Array(await fs.readFile(it.file)), { path: it.name, maxPixels: DEFAULT_MAX_PIXELS });
        const [f] = await extractor.extract(img, it.name);
        ms += performance.now() - t0;
        n++;
        await this.put(f, it.name);
      } catch (error) {
        failures.push({ name: it.name, error });
      }
    }
    onItem?.(items.length, items.length);
    if (n) this.extractMs = ms / n;
    return failures;
  }

  async put(f: PatchFeatures, name = f.name): Promise<void> {
    const file = this.fileOf(name);
    const buf = Buffer.alloc((f.patches.length + f.global.length) * 4);
    Buffer.from(f.patches.buffer, f.patches.byteOffset, f.patches.byteLength).copy(buf, 0);
    Buffer.from(f.global.buffer, f.global.byteOffset, f.global.byteLength).copy(buf, f.patches.byteLength);
    await fs.writeFile(file, buf);
    const meta: Meta = { name, gridH: f.gridH, gridW: f.gridW, dim: f.dim, globalDim: f.global.length, imageW: f.imageW, imageH: f.imageH, crop: f.crop };
    // The meta file is written last: a run stopped midway leaves no meta, so the entry is re-extracted.
    await fs.writeFile(`${file}.json`, JSON.stringify(meta));
    this.metas.set(name, meta);
  }

  async get(name: string): Promise<PatchFeatures> {
    const m = this.metas.get(name);
    if (!m) throw new Error(`no cached features for ${name}`);
    const buf = await fs.readFile(this.fileOf(name));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const np = m.gridH * m.gridW * m.dim;
    return {
      name: m.name,
      gridH: m.gridH,
      gridW: m.gridW,
      dim: m.dim,
      patches: all.subarray(0, np),
      global: all.subarray(np, np + m.globalDim),
      imageW: m.imageW,
      imageH: m.imageH,
      crop: m.crop,
    };
  }

  async clear(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    this.metas.clear();
  }
}
