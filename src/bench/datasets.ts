/**
 * Dataset adapters for the benchmark and `eval`: MVTec layout plus the three sets in
 * ../shared/data (mpdd-metal_plate, magnetic-tile, head-ct). Each becomes the same value: normal
 * training images and labelled test images with optional pixel masks. Splits are seeded.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AnomalyLensError } from '../shared/errors';
import { decodeImage } from '../core/image/decode';
import { DEFAULT_MAX_PIXELS } from '../core/image/decodeOptions';
import { rngFor, shuffled } from '../core/rng';

export type DatasetKind = 'mvtec' | 'mpdd' | 'magnetic-tile' | 'head-ct';

export interface BenchItem {
  /** Absolute path of the image. */
  file: string;
  /** Name relative to the dataset root, forward slashes. */
  name: string;
  /** 1 = anomalous. */
  label: 0 | 1;
  /** Defect type ('good' for normals). */
  type: string;
  /** Absolute path of a pixel mask (non-zero = defect), when the set has one. */
  mask?: string;
}

export interface BenchDataset {
  id: string;
  kind: DatasetKind;
  root: string;
  train: BenchItem[];
  test: BenchItem[];
  /** Pixel masks exist for the anomalous test images: pixel AUROC and PRO apply. */
  hasMasks: boolean;
  /** How the split was made, for the report. */
  split: string;
}

const IMAGE_RE = /\.(png|jpe?g|tiff?|bmp|dcm)$/i;

const exists = (p: string): Promise<boolean> =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
const isDir = (p: string): Promise<boolean> =>
  fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

async function listImages(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => IMAGE_RE.test(n)).sort();
}

const rel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/');

function invalid(root: string, what: string): never {
  throw new AnomalyLensError('DATASET_INVALID', what, { file: root, hint: 'expected MVTec layout (train/good, test/<type>, ground_truth/<type>) or one of mpdd, magnetic-tile, head-ct' });
}

/** Reads a mask file; true when any pixel is non-zero. */
export async function maskIsEmpty(file: string): Promise<boolean> {
  const m = await readMask(file);
  return !m.data.some((v) => v !== 0);
}

/** A binary mask (1 = defect) at its own size. */
export async function readMask(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const img = decodeImage(new Uint8Array(await fs.readFile(file)), { path: file, maxPixels: DEFAULT_MAX_PIXELS });
  const src = img.frames[0].data;
  const data = new Uint8Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = src[i * img.channels] > 0 ? 1 : 0;
  return { width: img.width, height: img.height, data };
}

/** Nearest-neighbour resample of a mask to another size (masks occasionally differ by a pixel). */
export function resizeMask(m: { width: number; height: number; data: Uint8Array }, width: number, height: number): Uint8Array {
  if (m.width === width && m.height === height) return m.data;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(m.height - 1, Math.floor(((y + 0.5) * m.height) / height));
    for (let x = 0; x < width; x++) out[y * width + x] = m.data[sy * m.width + Math.min(m.width - 1, Math.floor(((x + 0.5) * m.width) / width))];
  }
  return out;
}

export async function loadMvtec(root: string, id = path.basename(root)): Promise<BenchDataset> {
  const trainDir = path.join(root, 'train', 'good');
  if (!(await isDir(trainDir))) invalid(root, 'no train/good folder');
  const train = (await listImages(trainDir)).map((n): BenchItem => {
    const file = path.join(trainDir, n);
    return { file, name: rel(root, file), label: 0, type: 'good' };
  });
  const test: BenchItem[] = [];
  const types = (await fs.readdir(path.join(root, 'test')).catch(() => invalid(root, 'no test folder'))).sort();
  let masks = 0;
  for (const type of types) {
    const dir = path.join(root, 'test', type);
    if (!(await isDir(dir))) continue;
    for (const n of await listImages(dir)) {
      const file = path.join(dir, n);
      const label = type === 'good' ? 0 : 1;
      let mask: string | undefined;
      if (label) {
        const m = path.join(root, 'ground_truth', type, `${path.parse(n).name}_mask.png`);
        if (await exists(m)) {
          mask = m;
          masks++;
        }
      }
      test.push({ file, name: rel(root, file), label, type, mask });
    }
  }
  if (!train.length) invalid(root, 'train/good holds no images');
  if (!test.length) invalid(root, 'test/ holds no images');
  const anomalies = test.filter((t) => t.label === 1).length;
  return { id, kind: 'mvtec', root, train, test, hasMasks: anomalies > 0 && masks === anomalies, split: 'MVTec: train/good vs test/*' };
}

/** MPDD re-split: normals (empty masks) of train ∪ val train the model; the test split is the test set. */
export async function loadMpdd(root: string, id = 'mpdd-metal_plate'): Promise<BenchDataset> {
  const items = async (split: string): Promise<BenchItem[]> => {
    const dir = path.join(root, split, 'images');
    const out: BenchItem[] = [];
    for (const n of await listImages(dir)) {
      const file = path.join(dir, n);
      const mask = path.join(root, split, 'masks', n);
      if (!(await exists(mask))) invalid(root, `${split}/masks/${n} is missing`);
      const label = (await maskIsEmpty(mask)) ? 0 : 1;
      out.push({ file, name: rel(root, file), label, type: label ? 'defect' : 'good', mask: label ? mask : undefined });
    }
    return out;
  };
  if (!(await isDir(path.join(root, 'test', 'images')))) invalid(root, 'no test/images folder (MPDD layout)');
  const train = [...(await items('train')), ...(await items('val'))].filter((i) => i.label === 0);
  const test = await items('test');
  if (!train.length) invalid(root, 'no normal (empty-mask) images in train/ or val/');
  return { id, kind: 'mpdd', root, train, test, hasMasks: true, split: `train = empty-mask images of train ∪ val (${train.length}); test = test split` };
}

/** Magnetic tile: a seeded split of MT_Free into train/test normals; every MT_<defect> image is a test anomaly. */
export async function loadMagneticTile(root: string, seed = 0, testNormalFraction = 0.4, id = 'magnetic-tile'): Promise<BenchDataset> {
  const freeDir = path.join(root, 'MT_Free', 'Imgs');
  if (!(await isDir(freeDir))) invalid(root, 'no MT_Free/Imgs folder (magnetic-tile layout)');
  const isImg = (n: string): boolean => /\.jpe?g$/i.test(n);
  const free = (await fs.readdir(freeDir)).filter(isImg).sort();
  const order = shuffled(free, rngFor(seed, 'magnetic-tile-split'));
  const nTest = Math.round(order.length * testNormalFraction);
  const item = (cls: string, n: string, label: 0 | 1): BenchItem => {
    const file = path.join(root, cls, 'Imgs', n);
    return { file, name: rel(root, file), label, type: label ? cls.replace(/^MT_/, '').toLowerCase() : 'good', mask: label ? file.replace(/\.jpe?g$/i, '.png') : undefined };
  };
  const train = order.slice(nTest).sort().map((n) => item('MT_Free', n, 0));
  const test = order.slice(0, nTest).sort().map((n) => item('MT_Free', n, 0));
  for (const cls of (await fs.readdir(root)).filter((c) => c.startsWith('MT_') && c !== 'MT_Free').sort()) {
    for (const n of (await fs.readdir(path.join(root, cls, 'Imgs')).catch(() => [] as string[])).filter(isImg).sort()) test.push(item(cls, n, 1));
  }
  return {
    id,
    kind: 'magnetic-tile',
    root,
    train,
    test,
    hasMasks: true,
    split: `seed ${seed}: ${train.length} MT_Free train, ${nTest} MT_Free + ${test.length - nTest} defects test`,
  };
}

/** Head CT: labels.csv (id, hemorrhage); a seeded half of the normals trains, the rest plus all bleeds test. */
export async function loadHeadCt(root: string, seed = 0, testNormalFraction = 0.5, id = 'head-ct'): Promise<BenchDataset> {
  const csv = path.join(root, 'labels.csv');
  if (!(await exists(csv))) invalid(root, 'no labels.csv (head-ct layout)');
  const imgDir = (await isDir(path.join(root, 'images'))) ? path.join(root, 'images') : root;
  const files = await listImages(imgDir);
  const byId = new Map(files.map((n) => [Number.parseInt(path.parse(n).name, 10), n]));
  const normals: BenchItem[] = [];
  const anomalies: BenchItem[] = [];
  for (const line of (await fs.readFile(csv, 'utf8')).split(/\r?\n/).slice(1)) {
    const [idText, labelText] = line.split(',').map((s) => s.trim());
    if (!idText) continue;
    const n = byId.get(Number.parseInt(idText, 10));
    if (!n) invalid(root, `labels.csv names id ${idText} but no image file has that number`);
    const label = labelText === '1' ? 1 : 0;
    const file = path.join(imgDir, n);
    (label ? anomalies : normals).push({ file, name: rel(root, file), label, type: label ? 'hemorrhage' : 'good' });
  }
  const order = shuffled(normals, rngFor(seed, 'head-ct-split'));
  const nTest = Math.round(order.length * testNormalFraction);
  const byName = (a: BenchItem, b: BenchItem): number => (a.name < b.name ? -1 : 1);
  return {
    id,
    kind: 'head-ct',
    root,
    train: order.slice(nTest).sort(byName),
    test: [...order.slice(0, nTest), ...anomalies].sort(byName),
    hasMasks: false,
    split: `seed ${seed}: ${order.length - nTest} normal train; ${nTest} normal + ${anomalies.length} hemorrhage test (image labels only)`,
  };
}

/** Which adapter fits a folder, by its layout. */
export async function detectKind(root: string): Promise<DatasetKind | undefined> {
  if (await isDir(path.join(root, 'train', 'good'))) return 'mvtec';
  if (await isDir(path.join(root, 'test', 'images'))) return 'mpdd';
  if (await isDir(path.join(root, 'MT_Free'))) return 'magnetic-tile';
  if (await exists(path.join(root, 'labels.csv'))) return 'head-ct';
  return undefined;
}

export async function loadDataset(root: string, opts: { kind?: DatasetKind; seed?: number; id?: string } = {}): Promise<BenchDataset> {
  const kind = opts.kind ?? (await detectKind(root));
  const seed = opts.seed ?? 0;
  switch (kind) {
    case 'mvtec':
      return loadMvtec(root, opts.id);
    case 'mpdd':
      return loadMpdd(root, opts.id);
    case 'magnetic-tile':
      return loadMagneticTile(root, seed, undefined, opts.id);
    case 'head-ct':
      return loadHeadCt(root, seed, undefined, opts.id);
    default:
      return invalid(root, 'not a recognised dataset layout');
  }
}

/**
 * Every dataset under a data root: the root itself, or its sub-folders up to two levels deep
 * (so both ../shared/data and an MVTec root with one folder per category work).
 */
export async function discoverDatasets(dataRoot: string, seed = 0): Promise<BenchDataset[]> {
  const out: BenchDataset[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const kind = await detectKind(dir);
    if (kind) {
      out.push(await loadDataset(dir, { kind, seed, id: path.basename(dir) }));
      return;
    }
    if (depth === 0) return;
    const subs = (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    for (const s of subs) await visit(path.join(dir, s), depth - 1);
  };
  if (!(await isDir(dataRoot))) throw new AnomalyLensError('DATASET_INVALID', 'data folder not found', { file: dataRoot, hint: 'pass --data <root>' });
  await visit(dataRoot, 2);
  return out;
}
