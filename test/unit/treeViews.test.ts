import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveThreshold, renormalize, thresholdOverride } from '../../src/extension/threshold';
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
