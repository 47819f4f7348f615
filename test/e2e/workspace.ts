/**
 * The generated workspace the end-to-end tests open: woven textures (normal ones to train on,
 * normal and defective ones to scan), a CT-like multi-frame 16-bit DICOM file, and two broken
 * files (a corrupt PNG and a truncated DICOM). Defect masks are kept outside the workspace.
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

/** A 16-bit signed, 3-frame CT-like image with rescale slope/intercept and two window presets. */
export function ctDicom(): Uint8Array {
  const n = CT.rows * CT.columns;
  const values = new Int16Array(n * CT.frames);
  for (let f = 0; f < CT.frames; f++) {
    for (let y = 0; y < CT.rows; y++) {
      for (let x = 0; x < CT.columns; x++) values[f * n + y * CT.columns + x] = ctFrameHu(f, x, y) + 1024; // stored = HU - intercept
    }
  }
  const extra: El[] = [
    { tag: 0x00281050, vr: 'DS', value: '40\\400' },
    { tag: 0x00281051, vr: 'DS', value: '400\\2000' },
    { tag: 0x00281052, vr: 'DS', value: '-1024' },
    { tag: 0x00281053, vr: 'DS', value: '1' },
  ];
  const els = imageElements({ rows: CT.rows, columns: CT.columns, bitsAllocated: 16, bitsStored: 16, signed: true, frames: CT.frames, extra });
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
  }, null, 2)}\n`));
  return { root, masks };
}
