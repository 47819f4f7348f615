import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeScore, groupFindings, nextToReview, reviewQueue, type Finding } from '../../src/extension/treeModel';

const f = (path: string, normalized: number, extra: Partial<Finding> = {}): Finding => ({
  path, status: 'predicted', normalized, score: normalized * 4, label: normalized >= 0.5 ? 'anomalous' : 'normal', ...extra,
});

const findings: Finding[] = [
  f('a.png', 0.95),
  f('b.png', 0.55),
  f('c.png', 0.2),
  f('d.png', 0.45),
  f('e.png', 0.99, { status: 'accepted' }),
  f('g.png', 0.7, { status: 'rejected', label: 'normal', stale: true }),
  { path: 'bad.dcm', status: 'error', error: { code: 'DICOM_NO_PIXEL_DATA', message: 'no pixel data' } },
  f('h.png', 0.8),
  f('i.png', 0.05, { status: 'rejected' }),
];

test('images are grouped by decision and certainty', () => {
  const g = groupFindings(findings, 0.1);
  const paths = (k: keyof typeof g) => g[k].map((x) => x.path);
  assert.deepEqual(paths('flagged'), ['a.png', 'h.png']);
  assert.deepEqual(paths('needsReview'), ['g.png', 'b.png', 'd.png']);
  assert.deepEqual(paths('normal'), ['c.png']);
  assert.deepEqual(paths('reviewed'), ['e.png', 'i.png']);
  assert.deepEqual(paths('errors'), ['bad.dcm']);
});

test('a zero band puts every unreviewed image in Flagged or Normal by the threshold', () => {
  const g = groupFindings(findings, 0);
  assert.deepEqual(g.flagged.map((x) => x.path), ['a.png', 'h.png', 'b.png']);
  assert.deepEqual(g.normal.map((x) => x.path), ['d.png', 'c.png']);
});

test('ranking is by normalised score, then raw score, then path', () => {
  const tied = [f('z.png', 0.6, { score: 1 }), f('y.png', 0.6, { score: 2 }), f('x.png', 0.6, { score: 2 })];
  assert.deepEqual(groupFindings(tied, 0).flagged.map((x) => x.path), ['x.png', 'y.png', 'z.png']);
});

test('Review Next walks the unreviewed images from the most anomalous', () => {
  assert.deepEqual(reviewQueue(findings).map((x) => x.path), ['a.png', 'h.png', 'g.png', 'b.png', 'd.png', 'c.png']);
  assert.equal(nextToReview(findings)?.path, 'a.png');
  assert.equal(nextToReview(findings, 'h.png')?.path, 'g.png');
  assert.equal(nextToReview(findings, 'h.png', 'previous')?.path, 'a.png');
  assert.equal(nextToReview(findings, 'c.png'), undefined);
  // after reviewing h.png it leaves the queue; next continues below where it was
  const reviewed = findings.map((x) => (x.path === 'h.png' ? { ...x, status: 'accepted' as const } : x));
  assert.equal(nextToReview(reviewed, 'h.png')?.path, 'g.png');
  assert.equal(nextToReview(reviewed, 'h.png', 'previous')?.path, 'a.png');
  assert.equal(nextToReview([]), undefined);
});

test('descriptions show normalised and raw score, or the error', () => {
  assert.equal(describeScore(f('a.png', 0.5)), '0.50 (raw 2.00)');
  assert.match(describeScore(findings[6]), /DICOM_NO_PIXEL_DATA: no pixel data/);
});
