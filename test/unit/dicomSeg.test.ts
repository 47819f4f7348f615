// DICOM SEG export: a reviewed CT slice round-trips through dcmjs, dcmtk's dcmdump and dicom3tools' dciodvfy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { reviewedAnnotation, type Annotation, type Region } from '../../src/shared/annotation';
import { encodeRle, regionsToMask } from '../../src/shared/regions';
import { annotationValidator } from '../../src/extension/annotationValidator';
import { exportDicomSeg, segPath } from '../../src/extension/exportSeg';
import { SEG_SOP_CLASS_UID, buildDicomSeg } from '../../src/core/export/dicomSeg';
import { readDicomSourceRef } from '../../src/core/image/dicom/sourceRef';
import { imageElements, TS, words, writeDicom, type El } from './dicomWriter';

const W = 13; // 13 × 11 = 143 pixels: segment frames share bytes in the bit-packed pixel data
const H = 11;
const ctx = { now: '2024-05-01T10:00:00.000Z', toolVersion: '0.1.0' };
const UID = {
  study: '1.2.826.0.1.3680043.8.498.1',
  series: '1.2.826.0.1.3680043.8.498.2',
  instance: '1.2.826.0.1.3680043.8.498.3',
  frameOfReference: '1.2.826.0.1.3680043.8.498.4',
  multiFrame: '1.2.826.0.1.3680043.8.498.5',
};
const PATIENT = { name: 'Doe^Jane', id: 'PID-SECRET-42' };

/** The source's own identity replaces the writer's secondary-capture defaults. */
function pixelModule(p: Parameters<typeof imageElements>[0]): El[] {
  return imageElements(p).filter((e) => ![0x00080016, 0x00080018, 0x00080060].includes(e.tag));
}

function ctSlice(): Uint8Array {
  const els: El[] = [
    ...pixelModule({ rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, signed: true }),
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: UID.instance },
    { tag: 0x00080020, vr: 'DA', value: '20240102' },
    { tag: 0x00080050, vr: 'SH', value: 'ACC-SECRET' },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00100010, vr: 'PN', value: PATIENT.name },
    { tag: 0x00100020, vr: 'LO', value: PATIENT.id },
    { tag: 0x00100030, vr: 'DA', value: '19700101' },
    { tag: 0x00180050, vr: 'DS', value: '2.5' },
    { tag: 0x0020000d, vr: 'UI', value: UID.study },
    { tag: 0x0020000e, vr: 'UI', value: UID.series },
    { tag: 0x00200032, vr: 'DS', value: ['-120.5', '-80', '42.25'] },
    { tag: 0x00200037, vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
    { tag: 0x00200052, vr: 'UI', value: UID.frameOfReference },
    { tag: 0x00280030, vr: 'DS', value: ['0.7', '0.8'] },
  ];
  const pixels = Array.from({ length: W * H }, (_, i) => (i * 37) % 2000 - 1000);
  return writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: words(pixels) });
}

/** Three frames, no frame of reference (a secondary capture): the SEG references frame numbers only. */
function multiFrame(): Uint8Array {
  const els: El[] = [
    ...pixelModule({ rows: H, columns: W, bitsAllocated: 8, frames: 3 }),
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7.2' },
    { tag: 0x00080018, vr: 'UI', value: UID.multiFrame },
    { tag: 0x0020000d, vr: 'UI', value: UID.study },
    { tag: 0x0020000e, vr: 'UI', value: UID.series },
  ];
  return writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: new Uint8Array(W * H * 3).fill(7) });
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const image = (p: string, bytes: Uint8Array, frame = 0, frameCount = 1, format: 'dicom' | 'png' = 'dicom') =>
  ({ path: p, sha256: sha(bytes), width: W, height: H, frame, frameCount, format });

/** A known mask of 7 pixels: the class "calcification". */
function knownMask(): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let x = 2; x <= 4; x++) m[1 * W + x] = 1;
  for (let y = 2; y <= 5; y++) m[y * W + 2] = 1;
  return m;
}
const regions: Region[] = [
  { kind: 'polygon', id: 'p1', defectClass: 'bleed', points: [6, 5, 12, 5, 12, 10, 6, 10] },
  { kind: 'mask', id: 'm1', defectClass: 'calcification', rle: encodeRle(knownMask(), W, H) },
  { kind: 'polygon', id: 'p2', defectClass: 'bleed', points: [8, 0, 11, 0, 11, 3] },
];

interface Fixture { dir: string; files: Map<string, Uint8Array>; read: (p: string) => Promise<Uint8Array> }
function fixture(): Fixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-seg-'));
  const files = new Map<string, Uint8Array>([['ct/slice-001.dcm', ctSlice()], ['mf/cine.dcm', multiFrame()], ['photo.png', new Uint8Array([1, 2, 3])]]);
  for (const [p, b] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), b);
  }
  return { dir, files, read: async (p) => new Uint8Array(fs.readFileSync(path.join(dir, p))) };
}

function reviewed(f: Fixture): Annotation {
  const a = reviewedAnnotation(image('ct/slice-001.dcm', f.files.get('ct/slice-001.dcm')!), { label: 'anomalous', regions }, ctx);
  assert.ok(annotationValidator()(a).ok);
  return a;
}

type Ds = Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
function readSeg(bytes: Uint8Array): Ds {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(buf).dict) as Ds;
}
const one = <T>(v: T | T[]): T => (Array.isArray(v) ? v[0] : v);

/** Frame `f` of bit-packed 1-bit pixel data (frames follow each other without padding, LSB first). */
function unpackFrame(packed: Uint8Array, f: number): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) {
    const bit = f * W * H + i;
    out[i] = (packed[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}

test('DICOM SEG: a reviewed CT slice gives one segment per class, referencing the source, with the annotation\'s pixels', async () => {
  const f = fixture();
  const a = reviewed(f);
  const { files, skipped } = await exportDicomSeg([a], f.read, { toolVersion: '0.1.0', classes: ['calcification', 'bleed', 'unused'] });
  assert.deepEqual(skipped, []);
  assert.deepEqual(files.map((x) => x.path), ['ct/slice-001.seg.dcm']);
  const bytes = files[0].bytes;
  const ds = readSeg(bytes);
  assert.equal(ds.SOPClassUID, SEG_SOP_CLASS_UID);
  assert.equal(ds.Modality, 'SEG');
  assert.equal(ds.SegmentationType, 'BINARY');
  assert.equal(ds.StudyInstanceUID, UID.study);
  assert.notEqual(ds.SeriesInstanceUID, UID.series, 'the segmentation is a new series');
  assert.equal(ds.FrameOfReferenceUID, UID.frameOfReference);
  assert.deepEqual([ds.Rows, ds.Columns, ds.NumberOfFrames, ds.BitsAllocated], [H, W, 2, 1]);
  // Segments: configured class order, classes without regions left out.
  const segs = ds.SegmentSequence as Ds[];
  assert.deepEqual(segs.map((s) => [s.SegmentNumber, s.SegmentLabel, s.SegmentAlgorithmType]), [[1, 'calcification', 'MANUAL'], [2, 'bleed', 'MANUAL']]);
  assert.deepEqual(segs.map((s) => one(s.SegmentedPropertyTypeCodeSequence as Ds[]).CodeMeaning), ['calcification', 'bleed']);
  // References: the series/instance list and each frame's derivation source.
  const series = one(ds.ReferencedSeriesSequence as Ds[]);
  assert.equal(series.SeriesInstanceUID, UID.series);
  assert.equal(one(series.ReferencedInstanceSequence as Ds[]).ReferencedSOPInstanceUID, UID.instance);
  const frames = ds.PerFrameFunctionalGroupsSequence as Ds[];
  assert.equal(frames.length, 2);
  frames.forEach((fr, i) => {
    const src = one(one(one(fr.DerivationImageSequence as Ds[]).SourceImageSequence as Ds[]));
    assert.equal(src.ReferencedSOPInstanceUID, UID.instance);
    assert.equal(src.ReferencedSOPClassUID, '1.2.840.10008.5.1.4.1.1.2');
    assert.equal(src.ReferencedFrameNumber, undefined, 'a single-frame source has no frame number');
    assert.equal(one(fr.SegmentIdentificationSequence as Ds[]).ReferencedSegmentNumber, i + 1);
    assert.deepEqual(one(fr.PlanePositionSequence as Ds[]).ImagePositionPatient, [-120.5, -80, 42.25]);
  });
  const shared = one(ds.SharedFunctionalGroupsSequence as Ds[]);
  assert.deepEqual(one(shared.PixelMeasuresSequence as Ds[]).PixelSpacing, [0.7, 0.8]);
  assert.equal(one(shared.PixelMeasuresSequence as Ds[]).SliceThickness, 2.5);
  assert.deepEqual(one(shared.PlaneOrientationSequence as Ds[]).ImageOrientationPatient, [1, 0, 0, 0, 1, 0]);
  // Pixels: each frame equals the class's rasterised regions.
  const packed = new Uint8Array(one(ds.PixelData as ArrayBuffer[]));
  assert.equal(packed.length, Math.ceil((2 * W * H) / 8) + (Math.ceil((2 * W * H) / 8) % 2));
  assert.deepEqual(unpackFrame(packed, 0), knownMask());
  const bleed = regionsToMask(regions, W, H, 'bleed');
  assert.ok(bleed.some((v) => v) && bleed.some((v, i) => v && knownMask()[i] === 0));
  assert.deepEqual(unpackFrame(packed, 1), bleed);
  // No patient-identifying value from the source reaches the file.
  const text = Buffer.from(bytes).toString('latin1');
  for (const secret of [PATIENT.name, PATIENT.id, '19700101', 'ACC-SECRET', '20240102']) assert.ok(!text.includes(secret), `${secret} leaked into the SEG`);
  assert.equal(String(ds.PatientName ?? ''), '');
  assert.ok('PatientID' in ds && 'PatientName' in ds, 'type 2 patient attributes are present, empty');
  fs.rmSync(f.dir, { recursive: true, force: true });
});

test('DICOM SEG: a frame of a multi-frame source is referenced by its frame number', async () => {
  const f = fixture();
  const mf = f.files.get('mf/cine.dcm')!;
  const a = reviewedAnnotation(image('mf/cine.dcm', mf, 2, 3), { label: 'anomalous', regions: [regions[0]] }, ctx);
  const { files } = await exportDicomSeg([a], f.read, { toolVersion: '0.1.0' });
  const ds = readSeg(files[0].bytes);
  assert.equal(ds.NumberOfFrames, 1);
  const src = one(one(one((ds.PerFrameFunctionalGroupsSequence as Ds[])[0].DerivationImageSequence as Ds[]).SourceImageSequence as Ds[]));
  assert.equal(src.ReferencedSOPInstanceUID, UID.multiFrame);
  assert.equal(src.ReferencedFrameNumber, 3);
  assert.equal(ds.FrameOfReferenceUID, undefined, 'no frame of reference in the source, none in the SEG');
  assert.deepEqual(unpackFrame(new Uint8Array(one(ds.PixelData as ArrayBuffer[])), 0), regionsToMask([regions[0]], W, H));
  fs.rmSync(f.dir, { recursive: true, force: true });
});

test('DICOM SEG: non-DICOM, normal, changed and mismatched images are skipped with a reason', async () => {
  const f = fixture();
  const ct = f.files.get('ct/slice-001.dcm')!;
  const png = reviewedAnnotation(image('photo.png', f.files.get('photo.png')!, 0, 1, 'png'), { label: 'anomalous', regions }, ctx);
  const normal = reviewedAnnotation(image('ct/slice-001.dcm', ct), { label: 'normal' }, ctx);
  const changed = reviewedAnnotation({ ...image('ct/slice-001.dcm', ct), sha256: '0'.repeat(64) }, { label: 'anomalous', regions }, ctx);
  const missing = reviewedAnnotation(image('ct/gone.dcm', ct), { label: 'anomalous', regions }, ctx);
  const out = await exportDicomSeg([png, normal, changed, missing], f.read, { toolVersion: '0.1.0' });
  assert.deepEqual(out.files, []);
  assert.deepEqual(out.skipped.map((s) => s.reason), ['not DICOM', 'no regions', 'image changed since it was annotated', 'image not readable']);
  assert.equal(segPath('a/b.c/IM0001'), 'a/b.c/IM0001.seg.dcm');
  assert.throws(() => buildDicomSeg(readDicomSourceRef(ct, 0), [{ label: 'x', mask: new Uint8Array(W * H) }], { toolVersion: '0' }), /at least one segment/);
  // Labels are LO values: the backslash (value separator) is replaced, the length capped at 64.
  const long = `left\\right ${'x'.repeat(80)}`;
  const seg = readSeg(buildDicomSeg(readDicomSourceRef(ct, 0), [{ label: long, mask: knownMask() }], { toolVersion: '0' }));
  const label = (seg.SegmentSequence as Ds[])[0].SegmentLabel as string;
  assert.equal(label, `left right ${'x'.repeat(53)}`);
  fs.rmSync(f.dir, { recursive: true, force: true });
});

test('DICOM source reference: an enhanced multi-frame image gives the geometry of the chosen frame', () => {
  const pos = (z: string): El[][] => [[{ tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: ['0', '0', z] }]] }]];
  const els: El[] = [
    ...pixelModule({ rows: H, columns: W, bitsAllocated: 8, frames: 2 }),
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2.1' },
    { tag: 0x00080018, vr: 'UI', value: UID.multiFrame },
    { tag: 0x0020000d, vr: 'UI', value: UID.study },
    { tag: 0x0020000e, vr: 'UI', value: UID.series },
    { tag: 0x00200052, vr: 'UI', value: UID.frameOfReference },
    { tag: 0x52009229, vr: 'SQ', value: [[
      { tag: 0x00289110, vr: 'SQ', value: [[{ tag: 0x00280030, vr: 'DS', value: ['0.5', '0.5'] }, { tag: 0x00180050, vr: 'DS', value: '1' }]] },
      { tag: 0x00209116, vr: 'SQ', value: [[{ tag: 0x00200037, vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] }]] },
    ]] },
    { tag: 0x52009230, vr: 'SQ', value: [...pos('10'), ...pos('12.5')] },
  ];
  const ref = readDicomSourceRef(writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: new Uint8Array(W * H * 2) }), 1);
  assert.deepEqual(ref.imagePosition, [0, 0, 12.5]);
  assert.deepEqual(ref.pixelSpacing, [0.5, 0.5]);
  assert.equal(ref.sliceThickness, 1);
  assert.deepEqual(ref.imageOrientation, [1, 0, 0, 0, 1, 0]);
  assert.equal(ref.frameCount, 2);
  assert.throws(() => readDicomSourceRef(ctSlice(), 1), /outside the image's 1 frame/);
});

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
/** Absent tools skip the test; CI (.ci/run installs them) fails instead of skipping. */
function missing(tool: string, pkg: string): string | undefined {
  if (onPath(tool)) return undefined;
  const why = `${tool} is not on PATH (Debian: apt-get install ${pkg})`;
  if (process.env.CI) assert.fail(`${why}; .ci/run installs it`);
  return why;
}

/** The CT slice's SEG and the multi-frame frame's SEG, written to a temporary folder. */
async function exportedSegFiles(): Promise<{ dir: string; ct: string; multiFrame: string }> {
  const f = fixture();
  const mf = reviewedAnnotation(image('mf/cine.dcm', f.files.get('mf/cine.dcm')!, 2, 3), { label: 'anomalous', regions }, ctx);
  const { files } = await exportDicomSeg([reviewed(f), mf], f.read, { toolVersion: '0.1.0', classes: ['calcification', 'bleed'] });
  assert.equal(files.length, 2);
  for (const x of files) fs.writeFileSync(path.join(f.dir, x.path), x.bytes);
  return { dir: f.dir, ct: path.join(f.dir, segPath('ct/slice-001.dcm')), multiFrame: path.join(f.dir, segPath('mf/cine.dcm')) };
}

test('DICOM SEG: dcmtk\'s dcmdump reads the segments, the SOP class and the referenced instance', async (t) => {
  const absent = missing('dcmdump', 'dcmtk');
  if (absent) return t.skip(absent);
  const { dir, ct: file } = await exportedSegFiles();
  const r = spawnSync('dcmdump', ['-Un', '-M', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /E: /, 'dcmdump reported an error');
  assert.match(r.stdout, /\(0008,0016\) UI \[1\.2\.840\.10008\.5\.1\.4\.1\.1\.66\.4\]/);
  assert.match(r.stdout, /\(0062,0005\) LO \[calcification\]/);
  assert.match(r.stdout, /\(0062,0005\) LO \[bleed\]/);
  assert.match(r.stdout, /\(0008,0060\) CS \[SEG\]/);
  assert.equal(r.stdout.split(`(0008,1155) UI [${UID.instance}]`).length - 1, 3, 'the instance list and both frames reference the CT slice');
  assert.match(r.stdout, /\(0028,0008\) IS \[2\]/);
  assert.doesNotMatch(r.stdout, /Doe|PID-SECRET/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('DICOM SEG: dicom3tools\' dciodvfy finds no errors in the Segmentation IOD', async (t) => {
  const absent = missing('dciodvfy', 'dicom3tools');
  if (absent) return t.skip(absent);
  const { dir, ct, multiFrame } = await exportedSegFiles();
  for (const file of [ct, multiFrame]) {
    const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    const lines = `${r.stdout}\n${r.stderr}`.split('\n');
    const report = `${path.basename(file)}:\n${lines.join('\n')}`;
    assert.ok(lines.some((l) => /^Segmentation$/.test(l.trim())), `dciodvfy did not recognise a Segmentation: ${report}`);
    assert.deepEqual(lines.filter((l) => /^Error/.test(l)), [], report);
    // The only warnings: empty patient/study attributes (by design) and the private class coding scheme.
    assert.deepEqual(lines.filter((l) => /^Warning/.test(l) && !/needed to build DICOMDIR|<99ANOMALYLENS>/.test(l)), [], report);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
