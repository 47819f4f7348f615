import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ANNOTATION_SCHEMA,
  acceptAnnotation,
  annotationRelPath,
  correctAnnotation,
  imageRelPathOf,
  mergeRescan,
  predictedAnnotation,
  rejectAnnotation,
  resetAnnotation,
  reviewedAnnotation,
  serializeAnnotation,
  type Annotation,
  type AnnotationImage,
  type Region,
} from '../../src/shared/annotation';
import { annotationValidator } from '../../src/extension/annotationValidator';

const ctx = { now: '2024-05-01T10:00:00.000Z', toolVersion: '0.1.0' };
const later = { now: '2024-05-02T10:00:00.000Z', toolVersion: '0.1.1' };
const image: AnnotationImage = {
  path: 'parts/a.png', sha256: 'a'.repeat(64), width: 4, height: 3, frame: 0, frameCount: 1, format: 'png',
};
const model = { id: 'm-1', backbone: 'mobilenetv2' };
const maskRegion: Region = {
  id: 'p1', defectClass: 'defect', kind: 'mask', rle: { size: [3, 4], counts: [5, 2, 5] },
};
const polygon: Region = {
  id: 'h1', defectClass: 'scratch', kind: 'polygon', points: [0, 0, 3, 0, 3, 2],
};
const flagged = (c = ctx) => predictedAnnotation({ score: 2.5, normalized: 0.8, threshold: 1.5, anomalous: true }, image, model, c, [maskRegion]);
const validate = annotationValidator();

test('a predicted annotation keeps the model view as provenance and has no reviewed regions', () => {
  const a = flagged();
  assert.deepEqual(validate(a), { ok: true, value: a });
  assert.equal(a.status, 'predicted');
  assert.equal(a.label, 'anomalous');
  assert.deepEqual(a.regions, []);
  assert.deepEqual(a.prediction?.regions, [maskRegion]);
  assert.equal(a.prediction?.modelId, 'm-1');
});

test('every review transition yields a valid annotation', () => {
  const a = flagged();
  for (const next of [acceptAnnotation(a, later), rejectAnnotation(a, later), correctAnnotation(a, [polygon], later), correctAnnotation(a, [], later), resetAnnotation(rejectAnnotation(a, later), later)]) {
    const r = validate(next);
    assert.ok(r.ok, JSON.stringify(r));
  }
  for (const label of ['normal', 'anomalous'] as const) {
    const r = reviewedAnnotation(image, { label, regions: [polygon] }, later);
    assert.ok(validate(r).ok, `reviewed ${label}`);
    assert.equal(r.prediction, null);
  }
  assert.deepEqual(reviewedAnnotation(image, { label: 'normal', regions: [polygon] }, later).regions, []);
  assert.equal(rejectAnnotation(a, later).label, 'normal');
  assert.deepEqual(rejectAnnotation(a, later).regions, []);
  assert.equal(correctAnnotation(a, [], later).status, 'rejected');
  assert.deepEqual(acceptAnnotation(rejectAnnotation(a, later), later).regions, [maskRegion]);
});

test('accepting takes the prediction in the default class; a correction replaces it', () => {
  const a = flagged();
  const accepted = acceptAnnotation(a, { ...later, defaultClass: 'scratch' });
  assert.deepEqual(accepted.regions, [{ ...maskRegion, defectClass: 'scratch' }]);
  assert.deepEqual(accepted.prediction?.regions, [maskRegion], 'the prediction stays as it was');
  const corrected = correctAnnotation(accepted, [polygon], later);
  assert.deepEqual(corrected.regions, [polygon]);
  assert.deepEqual(acceptAnnotation(corrected, later).regions, [polygon], 'accept keeps the reviewer\'s own regions');
  assert.deepEqual(corrected.prediction?.regions, [maskRegion]);
});

test('format 1 files are read and migrated: the model\'s region leaves the answer', () => {
  const v1 = (over: Record<string, unknown>) => ({ ...JSON.parse(JSON.stringify(flagged())), formatVersion: 1, regions: [maskRegion], ...over });
  const predicted = validate(v1({}));
  assert.ok(predicted.ok, JSON.stringify(predicted));
  assert.equal(predicted.value.formatVersion, 2);
  assert.deepEqual(predicted.value.regions, []);
  assert.deepEqual(predicted.value.prediction?.regions, [maskRegion]);
  const review = { decidedAt: ctx.now, imageSha256: 'a'.repeat(64) };
  const corrected = validate(v1({ status: 'corrected', review, regions: [{ ...maskRegion, id: 'model-1', defectClass: 'anomaly' }, polygon] }));
  assert.ok(corrected.ok);
  assert.deepEqual(corrected.value.regions, [polygon]);
  const accepted = validate(v1({ status: 'accepted', review }));
  assert.ok(accepted.ok);
  assert.deepEqual(accepted.value.regions, [maskRegion], 'an accepted prediction is the reviewer\'s answer');
});

function invalid(mutate: (a: Record<string, unknown>) => void): string[] {
  const a = JSON.parse(JSON.stringify(flagged())) as Record<string, unknown>;
  mutate(a);
  const r = validate(a);
  assert.equal(r.ok, false, 'expected the annotation to be rejected');
  return r.ok ? [] : r.problems;
}

test('invalid annotations are rejected with a pointer to the problem', () => {
  assert.match(invalid((a) => { delete a.label; }).join(), /label/);
  assert.match(invalid((a) => { a.status = 'maybe'; }).join(), /status/);
  assert.match(invalid((a) => { (a.image as Record<string, unknown>).sha256 = 'xyz'; }).join(), /sha256/);
  assert.match(invalid((a) => { a.formatVersion = 3; }).join(), /formatVersion/);
  assert.match(invalid((a) => { a.regions = [maskRegion]; }).join(), /regions must be empty while status is "predicted"/);
  assert.match(invalid((a) => { (a.regions as Region[])[0] = { ...polygon, points: [0, 0, 1, 1] }; }).join(), /regions/);
  assert.match(invalid((a) => { (a.regions as Region[])[0] = { ...maskRegion, rle: { size: [3, 4], counts: [5, 2] } }; }).join(), /sum to 7, expected 12/);
  assert.match(invalid((a) => { (a.regions as Region[])[0] = { ...polygon, points: [0, 0, 1, 1, 2, 2, 3] }; }).join(), /odd number/);
  assert.match(invalid((a) => { (a.regions as Region[])[0] = { ...maskRegion, rle: { size: [4, 3], counts: [12] } }; }).join(), /does not match the image/);
  assert.match(invalid((a) => { a.review = { decidedAt: ctx.now, imageSha256: 'a'.repeat(64) }; }).join(), /review must be null/);
  assert.match(invalid((a) => { a.status = 'rejected'; a.review = { decidedAt: ctx.now, imageSha256: 'a'.repeat(64) }; }).join(), /label must be "normal"/);
  assert.match(invalid((a) => { a.extra = 1; }).join(), /additional/);
});

test('no DICOM patient tags reach the annotation, even when handed in', () => {
  const withTags = { ...image, format: 'dicom', patientName: 'DOE^JOHN', PatientID: '123', meta: { patientBirthDate: '19700101' } } as unknown as AnnotationImage;
  const a = predictedAnnotation({ score: 1, normalized: 0.4, threshold: 1.5, anomalous: false }, withTags, model, ctx);
  const text = serializeAnnotation(a);
  assert.doesNotMatch(text, /patient|DOE|19700101|"123"/i);
  assert.deepEqual(Object.keys(a.image).sort(), ['format', 'frame', 'frameCount', 'height', 'path', 'sha256', 'width']);
  // and the schema refuses such fields if someone writes them by hand
  const hand = JSON.parse(text) as Annotation & { image: Record<string, unknown> };
  hand.image.patientName = 'DOE^JOHN';
  assert.equal(validate(hand).ok, false);
});

test('rescan keeps every human decision and updates the prediction', () => {
  const fresh = predictedAnnotation({ score: 0.5, normalized: 0.2, threshold: 1.4, anomalous: false },
    { ...image, sha256: 'b'.repeat(64) }, { id: 'm-2', backbone: 'mobilenetv2' }, later);
  for (const decided of [acceptAnnotation(flagged(), ctx), rejectAnnotation(flagged(), ctx), correctAnnotation(flagged(), [polygon], ctx)]) {
    const merged = mergeRescan(decided, fresh);
    assert.ok(validate(merged).ok);
    assert.equal(merged.label, decided.label);
    assert.equal(merged.status, decided.status);
    assert.deepEqual(merged.regions, decided.regions);
    assert.deepEqual(merged.review, decided.review);
    assert.equal(merged.prediction?.modelId, 'm-2');
    assert.equal(merged.image.sha256, 'b'.repeat(64));
    assert.equal(merged.review?.imageSha256, 'a'.repeat(64), 'the decision remembers the image it was made on');
    assert.equal(merged.createdAt, ctx.now);
  }
  // an undecided annotation simply follows the model
  const followed = mergeRescan(flagged(), fresh);
  assert.equal(followed.status, 'predicted');
  assert.equal(followed.label, 'normal');
  assert.deepEqual(followed.regions, []);
  assert.equal(followed.createdAt, ctx.now);
});

test('annotation paths mirror the image path and refuse to leave the folder', () => {
  assert.equal(annotationRelPath('parts/a.png'), '.anomaly-lens/annotations/parts/a.png.json');
  assert.equal(annotationRelPath('x\\y.dcm', 'labels/'), 'labels/x/y.dcm.json');
  assert.equal(imageRelPathOf('.anomaly-lens/annotations/parts/a.png.json'), 'parts/a.png');
  assert.equal(imageRelPathOf('.anomaly-lens/annotations/parts/a.png.json.tmp-1-ab'), undefined);
  assert.throws(() => annotationRelPath('../outside.png'), /leaves the workspace/);
});

test('schemas/annotation.schema.json matches the schema in code', () => {
  const onDisk = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../schemas/annotation.schema.json'), 'utf8'));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(ANNOTATION_SCHEMA)));
});
