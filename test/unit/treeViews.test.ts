import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveThreshold, renormalize, thresholdOverride, thresholdUpToDate } from '../../src/extension/threshold';
import { AUGMENT_IMAGES } from '../../src/core/method/views';
import { RELIABLE_THRESHOLD_IMAGES, REVIEW_REMEDY, TIGHT_THRESHOLD_IMAGES, thresholdAdvice } from '../../src/shared/thresholdAdvice';
import { reviewHtml } from '../../src/extension/webviewHtml';

const model = { threshold: 2, spread: 0.5 };

test('sensitivity 0.5 keeps the model threshold; higher sensitivity lowers it by up to one spread', () => {
  const base = { thresholdMode: 'f1' as const, manualThreshold: null };
  assert.equal(effectiveThreshold(model, { ...base, sensitivity: 0.5 }), 2);
  assert.equal(effectiveThreshold(model, { ...base, sensitivity: 1 }), 1.5);
  assert.equal(effectiveThreshold(model, { ...base, sensitivity: 0 }), 2.5);
  assert.equal(thresholdOverride(model, { ...base, sensitivity: 0.5 }), undefined);
  assert.equal(effectiveThreshold(model, { thresholdMode: 'manual', manualThreshold: 3.25, sensitivity: 0.9 }), 3.25);
});

test('re-normalising puts the threshold in effect at 0.5', () => {
  assert.deepEqual(renormalize(2.5, 2.5, 0.5), { normalized: 0.5, anomalous: false });
  assert.deepEqual(renormalize(3, 2.5, 0.5), { normalized: 1, anomalous: true });
  assert.deepEqual(renormalize(2.25, 2.5, 0.5), { normalized: 0.25, anomalous: false });
});

test('an annotation written under another threshold is not up to date, so the next scan rewrites it', () => {
  const base = { thresholdMode: 'f1' as const, manualThreshold: null };
  const before = effectiveThreshold(model, { ...base, sensitivity: 0.5 });
  const after = effectiveThreshold(model, { ...base, sensitivity: 0.7 });
  assert.equal(thresholdUpToDate(before, before), true);
  assert.equal(thresholdUpToDate(before, after), false);
  // The JSON round trip of a float keeps it equal; rounding noise far below a sensitivity step is tolerated.
  assert.equal(thresholdUpToDate(JSON.parse(JSON.stringify(after)) as number, after), true);
  assert.equal(thresholdUpToDate(after * (1 + 1e-12), after), true);
  assert.equal(thresholdUpToDate(undefined, after), false, 'no stored prediction: never cached');
});

test('training on fewer than 4 normal images without labelled anomalies warns that the threshold is a guess', () => {
  assert.equal(RELIABLE_THRESHOLD_IMAGES, 4);
  const one = thresholdAdvice(1, 0, REVIEW_REMEDY);
  assert.equal(one?.level, 'warning');
  assert.match(one?.text ?? '', /^Trained on 1 normal image: too few to set the threshold/);
  assert.match(thresholdAdvice(3, 0, REVIEW_REMEDY)?.text ?? '', /^Trained on 3 normal images:/);
  assert.equal(thresholdAdvice(3, 0, REVIEW_REMEDY)?.level, 'warning');
  assert.equal(thresholdAdvice(1, 2, REVIEW_REMEDY), undefined, 'labelled anomalies give an F1 threshold');
});

test('training on 4 to 31 normal images notes the loose threshold in the log only, and 32 or more says nothing', () => {
  assert.equal(TIGHT_THRESHOLD_IMAGES, 32);
  assert.equal(TIGHT_THRESHOLD_IMAGES, AUGMENT_IMAGES, 'the threshold tightens where augmentation stops');
  for (const n of [4, 15, 16, 31]) {
    const advice = thresholdAdvice(n, 0, REVIEW_REMEDY);
    assert.equal(advice?.level, 'log', `${n} images`);
    assert.match(advice?.text ?? '', new RegExp(`^Trained on ${n} normal images: with fewer than 32 the threshold runs low`));
  }
  assert.equal(thresholdAdvice(32, 0, REVIEW_REMEDY), undefined);
  assert.equal(thresholdAdvice(8, 1, REVIEW_REMEDY), undefined, 'labelled anomalies give an F1 threshold');
});

test('the review editor HTML has a strict CSP and only nonce-tagged scripts', () => {
  const html = reviewHtml({ cspSource: 'https://webview.test', script: 'https://webview.test/main.js', style: 'https://webview.test/main.css', title: 'a<b>.png' }, 'N0NCE');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-N0NCE'/);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts.every((s) => s.includes('nonce="N0NCE"')));
  assert.match(html, /<title>a&#60;b&#62;.png<\/title>/);
});
