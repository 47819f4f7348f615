/**
 * The generated workspace the end-to-end tests open: woven textures (normal ones to train on,
 * normal and defective ones to scan), a CT-like multi-frame 16-bit DICOM file, a CT series of
 * single-frame files (plus one file of another series), and two broken files (a corrupt PNG and
 * a truncated DICOM). Defect masks are kept outside the workspace.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateTexture, type DefectKind } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { TS, imageElements, words, writeDicom, type El } from '../unit/dicomWriter';

export const TEXTURE_SIZE = 160;
export const TRAIN = Array.from({ length: 6 }, (_, i) => `parts/train/normal-${i}.png`);
export const GOOD = Array.from({ length: 5 }, (_, i) => `parts/test/good-${i}.png`);
export const DEFECTS: Record<string, DefectKind> = {
  'parts/test/scratch-0.png': 'scratch',
  'parts/test/spot-0.png': 'spot',
  'parts/test/crack-0.png': 'crack',
};
export const CT_MULTIFRAME = 'ct/ct-multiframe.dcm';
// Inside parts/: the model trained from parts/train serves parts/ and scans them.
export const CORRUPT_PNG = 'parts/broken/corrupt.png';
export const TRUNCATED_DICOM = 'parts/broken/truncated.dcm';

export const CT = { rows: 96, columns: 128, frames: 3 };

/**
 * The CT series: file name → Instance Number. Name order is not stack order: the stack is
 * slice-b, slice-d, slice-a, slice-c. Slice k (0-based in the stack) holds ctFrameHu(k, …).
 */
export const CT_SERIES: Record<string, number> = {
  'ct/series/slice-a.dcm': 3,
  'ct/series/slice-b.dcm': 1,
  'ct/series/slice-c.dcm': 4,
  'ct/series/slice-d.dcm': 2,
};
export const CT_SERIES_OTHER = 'ct/series/scout.dcm';
export const CT_SERIES_UID = '1.2.826.0.1.3680043.99.1';
/** The defect classes the workspace defines (anomalyLens.defectClasses). */
export const CLASSES = ['scratch', 'dent'];

export interface Workspace {
  root: string;
  /** Defect mask per defective image (0/255, width × height). */
  masks: Map<string, Uint8Array>;
}

function writeFile(root: string, rel: string, bytes: Uint8Array): void {
  const file = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** CT-like values in Hounsfield units: air outside a body ellipse, soft tissue, a bright bone ring; brighter each frame. */
export function ctFrameHu(frame: number, x: number, y: number): number {
  const nx = (x - CT.columns / 2) / (CT.columns * 0.42);
  const ny = (y - CT.rows / 2) / (CT.rows * 0.42);
  const r = Math.hypot(nx, ny);
  if (r > 1) return -1000;
  if (r > 0.85) return 700 + 100 * frame;
  return 40 + 30 * Math.sin(x / 5) + 200 * frame;
}

/**
 * A 16-bit signed CT-like image with rescale slope/intercept and two window presets: 3 frames,
 * or one slice of a series (`series`: its UID, Instance Number, and the ctFrameHu brightness step).
 */
export function ctDicom(series?: { uid: string; instance: number; step: number }): Uint8Array {
  const n = CT.rows * CT.columns;
  const frames = series ? 1 : CT.frames;
  const values = new Int16Array(n * frames);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < CT.rows; y++) {
      for (let x = 0; x < CT.columns; x++) values[f * n + y * CT.columns + x] = ctFrameHu(series?.step ?? f, x, y) + 1024; // stored = HU - intercept
    }
  }
  const extra: El[] = [
    { tag: 0x00281050, vr: 'DS', value: '40\\400' },
    { tag: 0x00281051, vr: 'DS', value: '400\\2000' },
    { tag: 0x00281052, vr: 'DS', value: '-1024' },
    { tag: 0x00281053, vr: 'DS', value: '1' },
  ];
  if (series) {
    extra.push(
      { tag: 0x0020000e, vr: 'UI', value: series.uid },
      { tag: 0x00200013, vr: 'IS', value: String(series.instance) },
      { tag: 0x00200032, vr: 'DS', value: `0\\0\\${-5 * series.instance}` },
      { tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
    );
  }
  const els = imageElements({ rows: CT.rows, columns: CT.columns, bitsAllocated: 16, bitsStored: 16, signed: true, frames: series ? undefined : CT.frames, extra });
  // CT modality instead of OT.
  const modality = els.find((e) => e.tag === 0x00080060);
  if (modality) modality.value = 'CT';
  return writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: words(values) });
}

export function writeWorkspace(root: string): Workspace {
  mkdirSync(root, { recursive: true });
  const masks = new Map<string, Uint8Array>();
  TRAIN.forEach((rel, i) => writeFile(root, rel, encodeSamplePng(generateTexture('woven', 100 + i, TEXTURE_SIZE))));
  GOOD.forEach((rel, i) => writeFile(root, rel, encodeSamplePng(generateTexture('woven', 500 + i, TEXTURE_SIZE))));
  Object.entries(DEFECTS).forEach(([rel, kind], i) => {
    const img = generateTexture('woven', 700 + 10 * i, TEXTURE_SIZE, kind);
    writeFile(root, rel, encodeSamplePng(img));
    masks.set(rel, img.mask!);
  });
  writeFile(root, CT_MULTIFRAME, ctDicom());
  for (const [rel, instance] of Object.entries(CT_SERIES)) writeFile(root, rel, ctDicom({ uid: CT_SERIES_UID, instance, step: instance - 1 }));
  writeFile(root, CT_SERIES_OTHER, ctDicom({ uid: `${CT_SERIES_UID}.2`, instance: 1, step: 3 }));
  // A PNG signature followed by garbage: no IHDR.
  writeFile(root, CORRUPT_PNG, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff)]));
  const full = ctDicom();
  writeFile(root, TRUNCATED_DICOM, full.subarray(0, Math.floor(full.length * 0.4)));
  // The texture model is not meant for CT: the CT folder is opened, not scanned.
  writeFile(root, '.vscode/settings.json', new TextEncoder().encode(`${JSON.stringify({
    'anomalyLens.exclude': '{**/node_modules/**,**/.git/**,**/.anomaly-lens/**,ct/**}',
    'anomalyLens.autoFlag': 'never',
    // The tests start every scan themselves (a background scan would race the cancel and crash tests).
    'anomalyLens.autoScan': false,
    'anomalyLens.defectClasses': CLASSES,
  }, null, 2)}\n`));
  return { root, masks };
}
