/** What the review editor is told about an image's annotation: not scanned vs a label, the margin of a stored score. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Annotation } from '../../src/shared/annotation';
import { predictionKey, reviewState, storedScore } from '../../src/extension/reviewState';

const predicted = {
  status: 'predicted', label: 'anomalous', regions: [], updatedAt: 'then',
  prediction: { score: 3, normalized: 1, threshold: 2, anomalous: true, modelId: 'm', backbone: 'b', predictedAt: 't1', regions: [] },
} as unknown as Annotation;

test('an image without an annotation is not scanned; a scanned one carries its label', () => {
  const none = reviewState(undefined, null, undefined);
  assert.equal(none.scanned, false);
  assert.equal(none.status, 'predicted', 'no decision either');
  const scanned = reviewState(predicted, 'rev', { index: 0, total: 3 });
  assert.equal(scanned.scanned, true);
  assert.equal(scanned.label, 'anomalous');
  // Reviewed without a scan (a decision on an unscanned image): the reviewer's label, no prediction.
  const decided = reviewState({ ...predicted, status: 'rejected', label: 'normal', prediction: null } as Annotation, 'rev', undefined);
  assert.equal(decided.scanned, false);
  assert.equal(decided.status, 'rejected');
});

test('the stored score carries its margin when the model that made it is known', () => {
  assert.equal(storedScore(undefined), null);
  const withModel = storedScore(predicted, { id: 'm', spread: 0.5 });
  // (3 - 2) / (0.5 / 2) = +4, where the normalised score saturated at 1.
  assert.equal(withModel?.margin, 4);
  assert.equal(withModel?.normalized, 1);
  assert.equal(storedScore(predicted, { id: 'other', spread: 0.5 })?.margin, undefined, "another model's spread says nothing");
  assert.equal(storedScore(predicted)?.margin, undefined);
});

test('the prediction key changes with a rescan or a threshold change, not with a decision', () => {
  const k = predictionKey(predicted);
  assert.equal(predictionKey({ ...predicted, status: 'accepted' } as Annotation), k);
  assert.notEqual(predictionKey({ ...predicted, prediction: { ...predicted.prediction!, predictedAt: 't2' } }), k);
  assert.notEqual(predictionKey({ ...predicted, prediction: { ...predicted.prediction!, threshold: 2.5 } }), k);
  assert.equal(predictionKey(undefined), undefined);
});
