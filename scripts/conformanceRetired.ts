// Retired JPEG syntaxes no public corpus here carries: JPEG Spectral Selection (.53) and Full
// Progression (.55). When DCMTK is installed, a few corpus files are transcoded with dcmcjpeg
// (+es, +ep) into a temporary folder, decoded, and compared with dcmdjpeg's decode of the same
// file. Nothing is written next to the corpus.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeDicom } from '../src/core/image/dicom/index';
import type { DecodedImage } from '../src/shared/image';

export interface RetiredRow {
  file: string;
  ts: string;
  outcome: 'decoded' | 'wrong';
  detail: string;
  ms: number;
  decodedBytes: number;
}

const SOURCES = ['pydicom/CT_small.dcm', 'pydicom/MR_small.dcm', 'dicomParser/CT1_UNC.explicit_little_endian.dcm', 'pydicom/SC_rgb_small_odd.dcm'];
const MODES: [string, string][] = [['+es', '1.2.840.10008.1.2.4.53'], ['+ep', '1.2.840.10008.1.2.4.55']];

const hasTool = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;

function maxAbs(a: DecodedImage, b: DecodedImage): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels || a.frameCount !== b.frameCount) return Infinity;
  let m = 0;
  for (let f = 0; f < a.frameCount; f++) {
    const x = a.frames[f].data;
    const y = b.frames[f].data;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

/** Rows for the transcoded files, or a note saying why there are none. */
export function retiredJpegRows(root: string, maxPixels: number): { rows: RetiredRow[]; note?: string } {
  if (!hasTool('dcmcjpeg') || !hasTool('dcmdjpeg')) return { rows: [], note: 'JPEG .53/.55: DCMTK (dcmcjpeg, dcmdjpeg) is not installed; no rows.' };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-conformance-'));
  const rows: RetiredRow[] = [];
  try {
    for (const rel of SOURCES) {
      const src = path.join(root, rel);
      if (!fs.existsSync(src)) continue;
      for (const [flag, uid] of MODES) {
        const name = `${rel} → dcmcjpeg ${flag}`;
        const enc = path.join(tmp, `enc${flag}.dcm`);
        const ref = path.join(tmp, `ref${flag}.dcm`);
        const made = spawnSync('dcmcjpeg', [flag, src, enc], { encoding: 'utf8' });
        if (made.status !== 0) {
          rows.push({ file: name, ts: uid, outcome: 'wrong', detail: `dcmcjpeg failed: ${(made.stderr || '').trim().split('\n')[0]}`, ms: 0, decodedBytes: 0 });
          continue;
        }
        spawnSync('dcmdjpeg', [enc, ref], { encoding: 'utf8' });
        const t0 = performance.now();
        let img: DecodedImage;
        try {
          img = decodeDicom(new Uint8Array(fs.readFileSync(enc)), { path: name, maxPixels });
        } catch (e) {
          rows.push({ file: name, ts: uid, outcome: 'wrong', detail: (e as Error).message, ms: performance.now() - t0, decodedBytes: 0 });
          continue;
        }
        const ms = performance.now() - t0;
        const reference = decodeDicom(new Uint8Array(fs.readFileSync(ref)), { path: ref, maxPixels });
        const d = maxAbs(img, reference);
        const detail = `${img.width}x${img.height}x${img.channels}, ${img.frameCount} frame(s), ${img.bitDepth}-bit ${img.meta.photometricInterpretation}; ${d === 0 ? 'identical to dcmdjpeg' : `DIFFERS from dcmdjpeg (max abs ${d})`}`;
        rows.push({ file: name, ts: img.meta.transferSyntaxUid ?? uid, outcome: d === 0 && img.meta.transferSyntaxUid === uid ? 'decoded' : 'wrong', detail, ms, decodedBytes: img.frames.reduce((n, f) => n + f.data.byteLength, 0) });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { rows };
}
