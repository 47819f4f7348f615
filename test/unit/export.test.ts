import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PNG } from 'pngjs';
import { exportCoco, exportLabelMe, selectForExport, toCoco, type LabelMeFile } from '../../src/extension/export';
import { exportDecisions, exportMvtec } from '../../src/extension/exportMasks';
import { acceptAnnotation, correctAnnotation, predictedAnnotation, rejectAnnotation, type Annotation, type Region } from '../../src/shared/annotation';
import { decodeRle, encodeRle, rasterizePolygon } from '../../src/shared/regions';
import { annotationValidator } from '../../src/extension/annotationValidator';

const ctx = { now: '2024-05-01T10:00:00.000Z', toolVersion: '0.1.0' };
const W = 10;
const H = 8;
const model = { id: 'm', backbone: 'mobilenetv2' };
const img = (p: string) => ({ path: p, sha256: 'f'.repeat(64), width: W, height: H, frame: 0, frameCount: 1, format: 'png' as const });

/** A known mask: an L-shape of 7 pixels (x 2..4 at y 1, and x 2 at y 2..5). */
function knownMask(): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let x = 2; x <= 4; x++) m[1 * W + x] = 1;
  for (let y = 2; y <= 5; y++) m[y * W + 2] = 1;
  return m;
}
const maskRegion: Region = { kind: 'mask', id: 'm1', defectClass: 'crack', rle: encodeRle(knownMask(), W, H) };
const square: Region = { kind: 'polygon', id: 'p1', defectClass: 'scratch', points: [5, 5, 9, 5, 9, 7, 5, 7] };

function annotations(): Annotation[] {
  const flagged = predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('parts/a.png'), model, ctx, [maskRegion]);
  const accepted = acceptAnnotation(flagged, { ...ctx, defaultClass: 'crack' });
  const corrected = correctAnnotation(predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('b/c.png'), model, ctx), [square, maskRegion], ctx);
  const normal = rejectAnnotation(predictedAnnotation({ score: 1, normalized: 0.3, threshold: 2, anomalous: false }, img('n.png'), model, ctx), ctx);
  const unreviewed = predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('u.png'), model, ctx, [maskRegion]);
  const all = [accepted, corrected, normal, unreviewed];
  for (const a of all) assert.ok(annotationValidator()(a).ok);
  return all;
}

test('export scope leaves out unreviewed predictions unless asked', () => {
  assert.deepEqual(selectForExport(annotations(), { includePredicted: false }).map((a) => a.image.path), ['b/c.png', 'n.png', 'parts/a.png']);
  assert.equal(selectForExport(annotations(), { includePredicted: true }).length, 4);
});

test('COCO: a known mask round-trips through the RLE segmentation with area and bbox', () => {
  const coco = toCoco(selectForExport(annotations(), { includePredicted: false }), ctx);
  assert.deepEqual(coco.categories.map((c) => c.name), ['scratch', 'crack']);
  const configured = toCoco(selectForExport(annotations(), { includePredicted: false }), { ...ctx, classes: ['dent', 'crack'] });
  assert.deepEqual(configured.categories.map((c) => [c.id, c.name]), [[1, 'dent'], [2, 'crack'], [3, 'scratch']], 'configured classes first, in their order');
  assert.deepEqual(coco.images.map((i) => [i.id, i.file_name, i.anomaly_label]), [[1, 'b/c.png', 'anomalous'], [2, 'n.png', 'normal'], [3, 'parts/a.png', 'anomalous']]);
  const onA = coco.annotations.filter((a) => a.image_id === 3);
  assert.equal(onA.length, 1);
  const seg = onA[0].segmentation as { size: [number, number]; counts: number[] };
  assert.deepEqual(seg.size, [H, W]);
  assert.deepEqual(decodeRle(seg), knownMask());
  // column-major COCO runs: 16 zeros (columns 0-1) + 1 (col 2 row 0), 5 ones, then 2 + 1 zeros to col 3 row 1
  assert.deepEqual(seg.counts.slice(0, 3), [17, 5, 3]);
  assert.equal(onA[0].area, 7);
  assert.deepEqual(onA[0].bbox, [2, 1, 3, 5]);
  assert.equal(onA[0].category_id, 2);
  const poly = coco.annotations.find((a) => a.image_id === 1 && a.category_id === 1)!;
  assert.deepEqual(poly.segmentation, [[5, 5, 9, 5, 9, 7, 5, 7]]);
  assert.equal(poly.area, 8);
  assert.deepEqual(poly.bbox, [5, 5, 4, 2]);
  const file = exportCoco(annotations(), ctx);
  assert.equal(file[0].path, 'annotations.coco.json');
  assert.equal(JSON.parse(new TextDecoder().decode(file[0].bytes)).annotations.length, 4);
});

test('LabelMe: polygons as point lists, masks as a cropped PNG, image path relative to the JSON', () => {
  const files = exportLabelMe(selectForExport(annotations(), { includePredicted: false }),
    (json, image) => path.posix.relative(path.posix.dirname(`export/${json}`), image));
  assert.deepEqual(files.map((f) => f.path), ['b/c.json', 'n.json', 'parts/a.json']);
  const c = JSON.parse(new TextDecoder().decode(files[0].bytes)) as LabelMeFile;
  assert.equal(c.imagePath, '../../b/c.png');
  assert.equal(c.imageWidth, W);
  assert.deepEqual(c.shapes[0], { label: 'scratch', points: [[5, 5], [9, 5], [9, 7], [5, 7]], group_id: null, description: 'p1', shape_type: 'polygon', flags: {} });
  const m = c.shapes[1];
  assert.equal(m.shape_type, 'mask');
  assert.deepEqual(m.points, [[2, 1], [4, 5]]);
  const png = PNG.sync.read(Buffer.from(m.mask!, 'base64'));
  assert.equal(png.width, 3);
  assert.equal(png.height, 5);
  // top row fully set, below only the first column
  const on = (x: number, y: number) => png.data[(y * png.width + x) * 4] === 255;
  assert.deepEqual([on(0, 0), on(1, 0), on(2, 0), on(0, 3), on(1, 3)], [true, true, true, true, false]);
  const n = JSON.parse(new TextDecoder().decode(files[1].bytes)) as LabelMeFile;
  assert.deepEqual(n.shapes, []);
  assert.equal(n.flags.anomalous, false);
});

test('MVTec: 8-bit 0/255 masks per class under ground_truth/<class>/, good/ for images reviewed normal', () => {
  const files = exportMvtec(selectForExport(annotations(), { includePredicted: false }));
  assert.deepEqual(files.map((f) => f.path).sort(), [
    'ground_truth/crack/a_mask.png', 'ground_truth/crack/c_mask.png', 'ground_truth/good/n_mask.png', 'ground_truth/index.csv', 'ground_truth/scratch/c_mask.png',
  ]);
  const good = PNG.sync.read(Buffer.from(files.find((f) => f.path.endsWith('n_mask.png'))!.bytes));
  assert.ok(good.data.every((v, i) => i % 4 === 3 || v === 0), 'a normal image has an empty mask');
  const a = PNG.sync.read(Buffer.from(files.find((f) => f.path.endsWith('a_mask.png'))!.bytes));
  assert.equal(a.width, W);
  assert.equal(a.height, H);
  const mask = knownMask();
  for (let i = 0; i < W * H; i++) assert.equal(a.data[i * 4], mask[i] ? 255 : 0, `pixel ${i}`);
  // c.png: the square in scratch/, the L-mask in crack/
  const c = PNG.sync.read(Buffer.from(files.find((f) => f.path === 'ground_truth/scratch/c_mask.png')!.bytes));
  const sq = rasterizePolygon(square.kind === 'polygon' ? square.points : [], W, H);
  for (let i = 0; i < W * H; i++) assert.equal(c.data[i * 4], sq[i] ? 255 : 0);
  const cc = PNG.sync.read(Buffer.from(files.find((f) => f.path === 'ground_truth/crack/c_mask.png')!.bytes));
  for (let i = 0; i < W * H; i++) assert.equal(cc.data[i * 4], mask[i] ? 255 : 0);
  assert.match(new TextDecoder().decode(files.find((f) => f.path.endsWith('index.csv'))!.bytes),
    /^image,mask,defect_type\nb\/c.png,ground_truth\/scratch\/c_mask.png,scratch\nb\/c.png,ground_truth\/crack\/c_mask.png,crack\nn.png,ground_truth\/good\/n_mask.png,good\n/);
});

test('exports carry the reviewer\'s regions, not the model\'s, once an image is corrected', () => {
  const model1: Region = { kind: 'mask', id: 'model-1', defectClass: 'anomaly', rle: encodeRle(new Uint8Array(W * H).fill(1), W, H) };
  const flagged = predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('z.png'), model, ctx, [model1]);
  const corrected = correctAnnotation(flagged, [square], ctx);
  const coco = toCoco([corrected], { ...ctx, classes: ['scratch'] });
  assert.deepEqual(coco.annotations.map((a) => a.category_id), [1]);
  assert.deepEqual(coco.categories.map((c) => c.name), ['scratch']);
  assert.deepEqual(exportMvtec([corrected]).map((f) => f.path), ['ground_truth/scratch/z_mask.png', 'ground_truth/index.csv']);
  const csv = new TextDecoder().decode(exportDecisions([corrected, rejectAnnotation(flagged, ctx)])[0].bytes);
  assert.equal(csv, 'image,label,status,classes,regions,score,threshold,model,decided_at\n'
    + `z.png,anomalous,corrected,scratch,1,3,2,m,${ctx.now}\nz.png,normal,rejected,,0,3,2,m,${ctx.now}\n`);
});

test('MVTec names fall back to the flattened path when file names collide', () => {
  const two = [
    acceptAnnotation(predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('x/a.png'), model, ctx, [maskRegion]), ctx),
    acceptAnnotation(predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, img('y/a.png'), model, ctx, [maskRegion]), ctx),
  ];
  assert.deepEqual(exportMvtec(two).map((f) => f.path), ['ground_truth/defect/x__a_mask.png', 'ground_truth/defect/y__a_mask.png', 'ground_truth/index.csv']);
});
