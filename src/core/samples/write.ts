/**
 * Writes generated samples as PNG folders in the MVTec layout (train/good, test/<type>,
 * ground_truth/<type>/*_mask.png), so the demo, `eval` and the benchmark read them like any dataset.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { DEFECT_KINDS, generateTexture, type DefectKind, type SampleImage, type TextureKind } from './textures';
import { mnistDigit } from './mnist';

export function encodeSamplePng(img: Pick<SampleImage, 'width' | 'height' | 'channels' | 'data'>): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: img.channels === 1 ? 0 : 2, inputHasAlpha: false });
  // pngjs reads its `data` buffer as the input layout named by colorType/inputHasAlpha.
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: img.channels === 1 ? 0 : 2, inputHasAlpha: false, inputColorType: img.channels === 1 ? 0 : 2 });
}

export function encodeMaskPng(mask: Uint8Array, width: number, height: number): Buffer {
  return encodeSamplePng({ width, height, channels: 1, data: mask });
}

async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
}

export interface SampleFile {
  /** Path relative to the set's root. */
  file: string;
  label: 'normal' | 'anomaly';
  type: string;
  mask?: string;
}

export interface TextureSetOptions {
  kind: TextureKind;
  seed: number;
  size?: number;
  train: number;
  testGood: number;
  /** Defective test images per defect kind. */
  testPerDefect: number;
  defects?: readonly DefectKind[];
}

const num = (i: number): string => String(i).padStart(3, '0');

/** A texture set in MVTec layout under `root`; returns the files it wrote. */
export async function writeTextureSet(root: string, o: TextureSetOptions): Promise<SampleFile[]> {
  const size = o.size ?? 256;
  const files: SampleFile[] = [];
  const put = async (rel: string, img: SampleImage, label: SampleFile['label'], type: string): Promise<void> => {
    await writeAtomic(path.join(root, rel), encodeSamplePng(img));
    let mask: string | undefined;
    if (img.mask) {
      mask = path.join('ground_truth', type, `${path.basename(rel, '.png')}_mask.png`);
      await writeAtomic(path.join(root, mask), encodeMaskPng(img.mask, img.width, img.height));
    }
    files.push({ file: rel, label, type, mask });
  };
  // Disjoint seed ranges per split so train and test never share an image.
  for (let i = 0; i < o.train; i++) await put(`train/good/${num(i)}.png`, generateTexture(o.kind, o.seed * 100_000 + i, size), 'normal', 'good');
  for (let i = 0; i < o.testGood; i++)
    await put(`test/good/${num(i)}.png`, generateTexture(o.kind, o.seed * 100_000 + 50_000 + i, size), 'normal', 'good');
  for (const d of o.defects ?? DEFECT_KINDS) {
    for (let i = 0; i < o.testPerDefect; i++)
      await put(`test/${d}/${num(i)}.png`, generateTexture(o.kind, o.seed * 100_000 + 70_000 + i, size, d), 'anomaly', d);
  }
  return files;
}

export interface DigitSetOptions {
  normalDigit: number;
  seed: number;
  train: number;
  testGood: number;
  /** Anomalous test images, spread over the other digits. */
  testOther: number;
}

/** One-class MNIST set in MVTec layout (no masks): train/good = normal digit, test/other = other digits. */
export async function writeDigitSet(root: string, o: DigitSetOptions): Promise<SampleFile[]> {
  const files: SampleFile[] = [];
  const base = (o.seed * 7919) % 500;
  const put = async (rel: string, img: SampleImage, label: SampleFile['label'], type: string): Promise<void> => {
    await writeAtomic(path.join(root, rel), encodeSamplePng(img));
    files.push({ file: rel, label, type });
  };
  for (let i = 0; i < o.train; i++) await put(`train/good/${num(i)}.png`, mnistDigit(o.normalDigit, base + i), 'normal', 'good');
  for (let i = 0; i < o.testGood; i++) await put(`test/good/${num(i)}.png`, mnistDigit(o.normalDigit, base + 500 + i), 'normal', 'good');
  const others = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((d) => d !== o.normalDigit);
  for (let i = 0; i < o.testOther; i++) {
    const d = others[i % others.length];
    await put(`test/other/${num(i)}_digit${d}.png`, mnistDigit(d, base + i), 'anomaly', 'other');
  }
  return files;
}
