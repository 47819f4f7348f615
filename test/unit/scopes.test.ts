/** Folder scopes of models, the readable score next to the decision, and the threshold preview. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeModels, defaultScope, inScope, modelForPath, unscannedByDirectory } from '../../src/extension/scopes';
import { GROUP_ORDER, describeScore, groupFindings, type Finding } from '../../src/extension/treeModel';
import { annotationAtThreshold, previewFlagged } from '../../src/extension/thresholdPreview';
import { formatMargin, scoreMargin } from '../../src/shared/scoreMargin';
import type { Annotation } from '../../src/shared/annotation';

test('a model trained from files serves their folder, above a training split', () => {
  assert.equal(defaultScope(['parts/train/a.png', 'parts/train/b.png']), 'parts');
  assert.equal(defaultScope(['metal_plate/reference_good/1.png', 'metal_plate/reference_good/2.png']), 'metal_plate');
  assert.equal(defaultScope(['bottle/train/good/1.png']), 'bottle');
  assert.equal(defaultScope(['woven/a.png', 'woven/sub/b.png']), 'woven');
  assert.equal(defaultScope(['a/x.png', 'b/y.png']), '');
  assert.equal(defaultScope(['train/x.png']), '');
  assert.equal(defaultScope([]), '');
});

test('scope membership is by whole path segments', () => {
  assert.ok(inScope('parts/test/a.png', 'parts'));
  assert.ok(!inScope('partsX/a.png', 'parts'));
  assert.ok(inScope('anything/a.png', ''));
});

test('an image is scored by the deepest scope holding it; within a scope the chosen model, else the newest', () => {
  const models = [
    { name: 'whole', scope: '', createdAt: '2026-01-01' },
    { name: 'p1', scope: 'parts', createdAt: '2026-01-02' },
    { name: 'p2', scope: 'parts', createdAt: '2026-01-03' },
    { name: 'ct', scope: 'scans/ct', createdAt: '2026-01-01' },
  ];
  assert.equal(modelForPath(models, 'parts/test/a.png', {})?.name, 'p2');
  assert.equal(modelForPath(models, 'parts/test/a.png', { parts: 'p1' })?.name, 'p1');
  assert.equal(modelForPath(models, 'scans/ct/1.dcm', {})?.name, 'ct');
  assert.equal(modelForPath(models, 'other/x.png', {})?.name, 'whole');
  assert.equal(modelForPath(models.slice(1), 'other/x.png', {}), undefined, 'no model serves it: not scanned');
  assert.deepEqual(activeModels(models, { parts: 'p1' }).map((m) => m.name), ['whole', 'p1', 'ct']);
});

test('images no model serves are counted by their folder', () => {
  const rels = ['parts/a.png', 'head_ct/1.png', 'head_ct/2.png', 'dicom/x/1.dcm', 'top.png'];
  assert.deepEqual([...unscannedByDirectory(rels, ['parts'])], [['', 1], ['dicom/x', 1], ['head_ct', 2]]);
  assert.deepEqual([...unscannedByDirectory(rels, [''])], []);
});

test('Flagged is listed before Needs review', () => {
  assert.deepEqual(GROUP_ORDER.slice(0, 2), ['flagged', 'needsReview']);
});

const f = (path: string, score: number, extra: Partial<Finding> = {}): Finding => ({
  path, status: 'predicted', label: score > 2 ? 'anomalous' : 'normal', score, threshold: 2,
  normalized: Math.min(1, Math.max(0, 0.5 + (score - 2) / 2)), modelId: 'm', ...extra,
});

test('far above the threshold the margin keeps images apart where the normalised score reads 1.00', () => {
  const a = f('a.png', 9);
  const b = f('b.png', 5);
  assert.equal(a.normalized, 1);
  assert.equal(b.normalized, 1);
  assert.equal(describeScore(a, 1), '+14.00 (raw 9.00)');
  assert.equal(describeScore(b, 1), '+6.00 (raw 5.00)');
  assert.equal(describeScore(a), '1.00 (raw 9.00)', 'without the spread: the normalised score');
  assert.deepEqual(groupFindings([b, a], 0.1).flagged.map((x) => x.path), ['a.png', 'b.png']);
  assert.equal(scoreMargin(1.5, 2, 1), -1, 'a typical normal image (half a spread below) reads -1');
  assert.equal(formatMargin(-0.001), '0.00');
});

test('the threshold preview counts what a setting would flag; reviewed and other models are left out', () => {
  const model = { id: 'm', threshold: 2, spread: 1 };
  const findings = [f('a.png', 2.8), f('b.png', 2.3), f('c.png', 1.2), f('d.png', 3, { status: 'rejected' }), f('e.png', 3, { modelId: 'other' })];
  const base = { thresholdMode: 'f1' as const, manualThreshold: null, sensitivity: 0.5 };
  assert.deepEqual(previewFlagged(findings, () => model, base, 0.1), { flagged: 2, total: 3 });
  assert.deepEqual(previewFlagged(findings, () => model, { ...base, thresholdMode: 'manual', manualThreshold: 2.5 }, 0.1), { flagged: 1, total: 3 });
  assert.deepEqual(previewFlagged(findings, () => model, { ...base, sensitivity: 1 }, 0), { flagged: 3, total: 3 });
});

test('applying a threshold rewrites the decision of a predicted annotation, never of a reviewed one', () => {
  const a = {
    status: 'predicted', label: 'normal', updatedAt: 'then',
    prediction: { score: 2.3, normalized: 0.3, threshold: 2.5, anomalous: false, modelId: 'm', backbone: 'b', predictedAt: 'then', regions: [] },
  } as unknown as Annotation;
  const next = annotationAtThreshold(a, { threshold: 2, normalized: 0.65, label: 'anomalous' }, 'now')!;
  assert.equal(next.label, 'anomalous');
  assert.deepEqual({ ...next.prediction }, { ...a.prediction, threshold: 2, normalized: 0.65, anomalous: true });
  assert.equal(next.updatedAt, 'now');
  assert.equal(annotationAtThreshold(a, { threshold: 2.5, normalized: 0.3, label: 'normal' }, 'now'), undefined, 'unchanged: no write');
  assert.equal(annotationAtThreshold({ ...a, status: 'rejected' } as Annotation, { threshold: 2, normalized: 0.65, label: 'anomalous' }, 'now'), undefined);
});
