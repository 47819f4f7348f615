// DICOM decoder conformance: decode every file under a folder, compare NEMA WG04 lossless encodings
// with their uncompressed references, and summarise per transfer syntax.
// Usage: npm run conformance -- [folder] [--out report.md] [--only regex] [--no-speed] [--no-memory]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decompress } from 'fzstd';
import { decodeDicom, loadDicomCodecs } from '../src/core/image/dicom/index';
import { transferSyntaxName } from '../src/core/image/dicom/transferSyntax';
import { AnomalyLensError } from '../src/shared/errors';
import { retiredJpegRows } from './conformanceRetired';
import type { DecodedImage } from '../src/shared/image';

const repoRoot = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outFile = outIndex >= 0 ? args[outIndex + 1] : undefined;
const positional = args.filter((a, i) => !a.startsWith('--') && !['--out', '--only', '--memory-child'].includes(args[i - 1]));
const root = path.resolve(positional[0] ?? process.env.ANOMALY_LENS_DICOM ?? path.join(process.env.ANOMALY_LENS_DATA ?? path.resolve(repoRoot, '../shared/data'), 'dicom'));
const MAX_PIXELS = 200_000_000;

/**
 * Files that are meant to fail, with the error they must give. Taken from the corpora's own notes
 * (pydicom/README.txt: RT/SR/waveform/DICOMDIR objects carry no image; some files are truncated or
 * deliberately corrupted) — not from what this decoder happens to do.
 */
const EXPECTED_ERRORS: [RegExp, string, string, RegExp?][] = [
  [/(^|\/)DICOMDIR[^/]*$/, 'DICOM_NO_PIXEL_DATA|DICOM_INVALID', 'DICOMDIR: a directory, no image'],
  [/TINY_ALPHA\/PT[^/]*\/.*\/IM[0-9A-Z]+$/, 'DICOM_NO_PIXEL_DATA', 'DICOMDIR test stub without pixels'],
  [/TINY_ALPHA\/README$/, 'DICOM_INVALID', 'not DICOM'],
  [/(^|\/)(rtplan|rtstruct|test-SR|reportsi[^/]*|waveform_ecg|UN_sequence|priv_SQ|no_meta_group_length|empty_charset_LEI|ExplVR_(Lit|Big)EndNoMeta)\.dcm$/, 'DICOM_NO_PIXEL_DATA', 'RT / SR / waveform / test data set without an image'],
  [/deflate\/(report|wave)_dfl$/, 'DICOM_NO_PIXEL_DATA', 'deflated SR / waveform, no image'],
  [/(^|\/)(MR_truncated|rtplan_truncated)\.dcm$/, 'FILE_TRUNCATED', 'deliberately truncated'],
  [/(^|\/)JPEG2000-embedded-sequence-delimiter\.dcm$/, 'DECODE_FAILED', 'codestream bytes overwritten on purpose'],
  [/(^|\/)meta_missing_tsyntax\.dcm$/, 'DICOM_INVALID', 'meta header without transfer syntax over a synthetic data set'],
  [/(^|\/)nested_priv_SQ\.dcm$/, 'DICOM_INVALID|DICOM_NO_PIXEL_DATA', 'nested private sequences, no image'],
  // CT_small.dcm cut one byte too early: the first byte is the trailing pad of the removed meta header.
  // pydicom reads it only with force=True and then finds no Pixel Data (see docs/conformance.md).
  [/(^|\/)no_meta\.dcm$/, 'DICOM_INVALID', 'one stray byte before the data set', /1 stray byte/],
];

const SKIP = /\.(txt|md|json|dump|icc|gz|zst|py)$|(^|\/)LICENSE$/;

interface Row {
  file: string;
  ts: string;
  outcome: 'decoded' | 'expected error' | 'wrong';
  detail: string;
  ms: number;
  /** Bytes of the decoded frames (0 when nothing was decoded). */
  decodedBytes: number;
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** Transfer syntax UID from the meta header, read without decoding (for rows that fail). */
function declaredSyntax(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 2048))).toString('latin1');
  const m = /\x02\x00\x10\x00UI..(1\.2\.840\.10008\.[0-9.]+)/s.exec(text);
  return m ? m[1] : 'no meta header';
}

const refCache = new Map<string, DecodedImage | null>();
function nemaReference(file: string): DecodedImage | null {
  const m = /nema-wg04\/[A-Z0-9]+\/([A-Z]+[0-9])_[A-Z0-9]+$/.exec(file.split(path.sep).join('/'));
  if (!m) return null;
  const ref = path.join(root, 'nema-wg04', 'REF', `${m[1]}_UNC.zst`);
  if (!refCache.has(ref)) {
    refCache.set(ref, fs.existsSync(ref) ? decodeDicom(decompress(new Uint8Array(fs.readFileSync(ref))), { path: ref, maxPixels: MAX_PIXELS }) : null);
  }
  return refCache.get(ref) ?? null;
}

function compare(a: DecodedImage, ref: DecodedImage): { maxAbs: number; psnr: number; sameShape: boolean } {
  const sameShape = a.width === ref.width && a.height === ref.height && a.channels === ref.channels && a.frameCount === ref.frameCount;
  if (!sameShape) return { maxAbs: Infinity, psnr: 0, sameShape };
  let maxAbs = 0;
  let se = 0;
  let n = 0;
  for (let f = 0; f < a.frameCount; f++) {
    const x = a.frames[f].data;
    const y = ref.frames[f].data;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      if (d > maxAbs) maxAbs = d;
      se += d * d;
      n++;
    }
  }
  const peak = 2 ** ref.bitDepth - 1;
  const mse = se / Math.max(1, n);
  return { maxAbs, psnr: mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse), sameShape };
}

const onlyIndex = args.indexOf('--only');
/** `--only <regex>`: decode just the matching files (relative paths), e.g. while working on one codec. */
const only = onlyIndex >= 0 ? new RegExp(args[onlyIndex + 1]) : undefined;

function run(): Row[] {
  const rows: Row[] = [];
  for (const abs of walk(root)) {
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (SKIP.test(rel) || rel.startsWith('nema-wg04/REF/')) continue;
    if (only && !only.test(rel)) continue;
    const bytes = new Uint8Array(fs.readFileSync(abs));
    const expected = EXPECTED_ERRORS.find(([re]) => re.test(rel));
    const t0 = performance.now();
    let img: DecodedImage | undefined;
    let err: AnomalyLensError | Error | undefined;
    try {
      img = decodeDicom(bytes, { path: rel, maxPixels: MAX_PIXELS });
    } catch (e) {
      err = e instanceof Error ? e : new Error(String(e));
    }
    const ms = performance.now() - t0;
    const ts = img?.meta.transferSyntaxUid ?? declaredSyntax(bytes);
    if (err) {
      const code = err instanceof AnomalyLensError ? err.code : 'CRASH';
      const ok = expected !== undefined && new RegExp(`^(${expected[1]})$`).test(code) && (expected[3] === undefined || expected[3].test(err.message));
      rows.push({ file: rel, ts, outcome: ok ? 'expected error' : 'wrong', detail: `${code}: ${err.message}${ok ? '' : expected ? ` (expected ${expected[1]})` : ''}`, ms, decodedBytes: 0 });
      continue;
    }
    if (!img) continue;
    if (expected) {
      rows.push({ file: rel, ts, outcome: 'wrong', detail: `decoded, but ${expected[1]} expected (${expected[2]})`, ms, decodedBytes: 0 });
      continue;
    }
    let detail = `${img.width}x${img.height}x${img.channels}, ${img.frameCount} frame(s), ${img.bitDepth}-bit ${img.meta.photometricInterpretation}`;
    let outcome: Row['outcome'] = 'decoded';
    const ref = rel.startsWith('nema-wg04/') ? nemaReference(abs) : null;
    if (ref) {
      const c = compare(img, ref);
      const lossless = /\/(J2KR|JLSL|JPLL|RLE)\//.test(`/${rel}`);
      if (!c.sameShape) {
        outcome = 'wrong';
        detail += '; shape differs from REF';
      } else if (lossless) {
        if (c.maxAbs !== 0) outcome = 'wrong';
        detail += c.maxAbs === 0 ? '; identical to REF' : `; DIFFERS from REF (max abs ${c.maxAbs})`;
      } else {
        detail += `; vs REF max abs ${c.maxAbs}, PSNR ${Number.isFinite(c.psnr) ? c.psnr.toFixed(1) : 'inf'} dB`;
      }
    }
    rows.push({ file: rel, ts, outcome, detail, ms, decodedBytes: img.frames.reduce((n, f) => n + f.data.byteLength, 0) });
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(rel: string, repeats: number): string | undefined {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return undefined;
  const bytes = new Uint8Array(fs.readFileSync(abs));
  decodeDicom(bytes, { path: rel, maxPixels: MAX_PIXELS }); // warm-up: codec init, JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  let img: DecodedImage | undefined;
  for (let i = 0; i < repeats; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    img = decodeDicom(bytes, { path: rel, maxPixels: MAX_PIXELS });
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return `| ${rel} | ${img?.width}x${img?.height} ${img?.bitDepth}-bit | ${transferSyntaxName(img?.meta.transferSyntaxUid ?? '')} | ${median(wall).toFixed(1)} ms | ${median(cpu).toFixed(1)} ms | ${repeats} |`;
}

/** Peak resident set (VmHWM); on Linux it can be reset, so a second decode is measured on its own. */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Memory of decoding one file, in a fresh process with the codecs compiled and garbage collected:
 * first decode (includes the codec's one-time growth of its WebAssembly memory and the compiler's
 * work on the hot code) and, where the peak can be reset, a second decode of the same file.
 */
function memoryChild(abs: string): void {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  loadDicomCodecs();
  gc();
  const before = process.memoryUsage().rss;
  const bytes = new Uint8Array(fs.readFileSync(abs));
  let img: DecodedImage | undefined = decodeDicom(bytes, { path: abs, maxPixels: MAX_PIXELS });
  const first = peakRss() - before;
  const decoded = img.frames.reduce((n, f) => n + f.data.byteLength, 0);
  img = undefined;
  gc();
  let second: number | undefined;
  const base = process.memoryUsage().rss;
  if (resetPeakRss()) {
    img = decodeDicom(bytes, { path: abs, maxPixels: MAX_PIXELS });
    second = peakRss() - base;
  }
  process.stdout.write(JSON.stringify({ first, second, decoded, fileBytes: bytes.length }) + '\n');
}

function memoryRows(rows: Row[], count: number): string[] {
  // The largest decoded images overall, plus the largest of every transfer syntax (codecs differ most).
  const decoded = rows.filter((r) => r.decodedBytes > 0).sort((a, b) => b.decodedBytes - a.decodedBytes);
  const bySyntax = new Map<string, Row>();
  for (const r of decoded) if (!bySyntax.has(transferSyntaxName(r.ts))) bySyntax.set(transferSyntaxName(r.ts), r);
  const largest = [...new Set([...decoded.slice(0, count), ...bySyntax.values()])];
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  return largest.map((r) => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--memory-child', path.join(root, r.file)], { cwd: repoRoot, encoding: 'utf8' });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) return `| ${r.file} | measurement failed (${child.stderr.trim().split('\n').pop() ?? ''}) | | | | |`;
    const m = JSON.parse(line) as { first: number; second?: number; decoded: number; fileBytes: number };
    const ratio = (n: number | undefined) => (n === undefined ? 'n/a' : `${mb(n)} MB = ${(n / m.decoded).toFixed(2)}x`);
    return `| ${r.file} | ${transferSyntaxName(r.ts)} | ${mb(m.fileBytes)} | ${mb(m.decoded)} | ${ratio(m.first)} | ${ratio(m.second)} |`;
  });
}

function main(): void {
  if (!fs.existsSync(root)) {
    console.error(`conformance: ${root} does not exist; pass a folder of DICOM files`);
    process.exitCode = 2;
    return;
  }
  const rows = run();
  const corpusFiles = rows.length;
  const retired = only ? { rows: [] } : retiredJpegRows(root, MAX_PIXELS);
  rows.push(...retired.rows);
  const lines: string[] = [];
  lines.push(`Corpus: \`${path.relative(repoRoot, root) || root}\` — ${corpusFiles} files, ${new Date().toISOString().slice(0, 10)}`, '');
  lines.push(retired.note ?? `Plus ${retired.rows.length} rows \`→ dcmcjpeg +es/+ep\`: corpus files transcoded by DCMTK to JPEG Spectral Selection (.53) and Full Progression (.55), compared with dcmdjpeg's decode (scripts/conformanceRetired.ts).`, '');
  lines.push('| file | transfer syntax | outcome | detail | ms |', '|---|---|---|---|---|');
  for (const r of rows) lines.push(`| ${r.file} | ${transferSyntaxName(r.ts)} | ${r.outcome} | ${r.detail.replace(/\|/g, '/')} | ${r.ms.toFixed(0)} |`);
  lines.push('', '### Summary per transfer syntax', '', '| transfer syntax | files | decoded | expected error | wrong |', '|---|---|---|---|---|');
  const byTs = new Map<string, Row[]>();
  for (const r of rows) byTs.set(transferSyntaxName(r.ts), [...(byTs.get(transferSyntaxName(r.ts)) ?? []), r]);
  const count = (rs: Row[], o: Row['outcome']) => rs.filter((r) => r.outcome === o).length;
  for (const [name, rs] of [...byTs.entries()].sort()) lines.push(`| ${name} | ${rs.length} | ${count(rs, 'decoded')} | ${count(rs, 'expected error')} | ${count(rs, 'wrong')} |`);
  lines.push(`| **all** | ${rows.length} | ${count(rows, 'decoded')} | ${count(rows, 'expected error')} | ${count(rows, 'wrong')} |`);
  const speed = args.includes('--no-speed') ? [] : [
    bench('dicomParser/CT1_UNC.explicit_little_endian.dcm', 30),
    bench('nema-wg04/J2KR/CT1_J2KR', 10),
    bench('nema-wg04/J2KI/RG1_J2KI', 5),
    bench('nema-wg04/J2KR/RG2_J2KR', 5),
    bench('nema-wg04/J2KI/SC1_J2KI', 5),
    bench('nema-wg04/J2KR/SC1_J2KR', 5),
    bench('nema-wg04/J2KI/MG1_J2KI', 3),
  ].filter((s): s is string => s !== undefined);
  if (speed.length) {
    lines.push('', '### Decode speed (this machine, single thread)', '', 'Wall time depends on what else runs on the machine; CPU time (user + system of this process) much less so.', '');
    lines.push('| file | size | transfer syntax | median wall | median CPU | runs |', '|---|---|---|---|---|---|', ...speed);
  }
  if (!args.includes('--no-memory')) {
    lines.push('', '### Peak memory of one decode (fresh process per file; the largest decoded images)', '');
    lines.push(
      'Growth = peak resident set during the decode − resident set before it (codecs compiled, garbage collected), as MB and as a multiple of the decoded size.',
      'First decode: includes reading the file, the one-time growth of the codec\'s WebAssembly memory (it never shrinks) and V8 optimising the codec\'s hot code.',
      'Second decode of the same file in the same process: the cost of each further image of that size.',
      '',
    );
    lines.push('| file | transfer syntax | file MB | decoded MB | growth, first decode | growth, second decode |', '|---|---|---|---|---|---|', ...memoryRows(rows.slice(0, corpusFiles), 4));
  }
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  if (outFile) fs.writeFileSync(outFile, text);
  if (count(rows, 'wrong') > 0) process.exitCode = 1;
}

const childIndex = args.indexOf('--memory-child');
if (childIndex >= 0) memoryChild(args[childIndex + 1]);
else main();
