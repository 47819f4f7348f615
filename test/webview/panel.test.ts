/**
 * The review editor's score panel against the fake host: an image with no annotation reads
 * "Not scanned" with the action for its folder (never "Label: normal"), and a scored image shows
 * its margin over the threshold next to the decision.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, pageErrors, repoRoot, startHarness, type Harness } from './harness/server';

const shots = path.join(repoRoot, 'artifacts/webview');
const host = <T>(p: Page, expr: string): Promise<T> => p.evaluate(`window.__host.${expr}`) as Promise<T>;

async function clean(p: Page): Promise<void> {
  assert.deepEqual(await host<string[]>(p, 'invalid'), [], 'every message the webview sent passes the host validators');
  assert.deepEqual(pageErrors(p), [], 'no page errors');
}

describe('review editor score panel', { skip: chromiumMissing }, () => {
  let h: Harness;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    h = await startHarness();
  });
  after(async () => h?.close());

  test('an image without an annotation reads "Not scanned", and its button scans the folder', async () => {
    const p = await h.open({ scenario: 'unscanned' });
    await p.waitForSelector('#review-label');
    assert.equal(await p.textContent('#review-label'), 'Not scanned');
    assert.equal(await p.textContent('#status-badge'), 'not scanned');
    assert.equal(await p.textContent('#prediction-note'), '', 'no model ran, so nothing is said about its prediction');
    const labels = await p.$$eval('#score-facts dd', (dds) => dds.map((d) => d.textContent));
    assert.ok(!labels.includes('normal'), `no "normal" label for an unscanned image: ${labels.join(' | ')}`);
    assert.equal(await p.isVisible('#scan-action'), true);
    assert.equal(await p.textContent('#scan-folder'), 'Scan This Folder');
    for (const theme of ['light', 'dark']) {
      const t = await h.open({ scenario: 'unscanned', theme }, { width: 1280, height: 800 });
      await t.waitForSelector('#review-label');
      await t.evaluate(() => document.fonts.ready.then(() => undefined));
      await t.screenshot({ path: path.join(shots, `${theme}-not-scanned.png`) });
      await t.context().close();
    }
    await p.click('#scan-folder');
    await p.waitForFunction(() => (window as never as { __host: { scanRequests: number } }).__host.scanRequests === 1);
    await clean(p);
    await p.context().close();
  });

  test('without a model the action offers training; read-only disables it', async () => {
    const p = await h.open({ scenario: 'unscanned', model: 'none' });
    await p.waitForSelector('#review-label');
    assert.equal(await p.textContent('#scan-folder'), 'Train a Model for This Folder…');
    assert.match((await p.textContent('#scan-hint')) ?? '', /No model serves this folder/);
    await clean(p);
    await p.context().close();
    const ro = await h.open({ scenario: 'unscanned', readonly: '1' });
    await ro.waitForSelector('#review-label');
    assert.equal(await ro.$eval('#scan-folder', (b) => (b as HTMLElement & { disabled: boolean }).disabled), true);
    await ro.click('#scan-folder', { force: true });
    assert.equal(await host<number>(ro, 'scanRequests'), 0, 'a read-only editor sends no scan request');
    await clean(ro);
    await ro.context().close();
  });

  test('a scanned image shows its label and the margin over the threshold next to the decision, with no scan action', async () => {
    const p = await h.open({ scenario: 'gray8' });
    await p.waitForSelector('#margin');
    assert.equal(await p.textContent('#review-label'), 'anomalous');
    assert.equal(await p.textContent('#margin'), '+3.36');
    assert.match((await p.getAttribute('#margin span', 'title')) ?? '', /margin over the threshold/);
    const order = await p.$$eval('#score-facts dd', (dds) => dds.map((d) => d.id));
    assert.equal(order.indexOf('margin'), order.indexOf('predicted-label') + 1, `the margin follows the decision: ${order.join(',')}`);
    assert.equal(await p.isVisible('#scan-action'), false);
    // A rescan that stores a prediction turns the unscanned state into the scanned one.
    const u = await h.open({ scenario: 'unscanned' });
    await u.waitForSelector('#review-label');
    await u.evaluate(() => {
      const w = window as never as { __host: { notify(m: string, p: unknown): void } };
      w.__host.notify('annotationChanged', {
        review: { status: 'predicted', label: 'anomalous', scanned: true, regions: [], predicted: [], revision: 'rev-9' }, external: false,
      });
      w.__host.notify('scoreChanged', {
        score: { raw: 2, threshold: 1.2, normalized: 0.9, margin: 1.6, label: 'anomalous', heatmap: null },
        model: { id: 'bolts-2025-01-07-a1b2', backbone: 'mobilenetv2' },
      });
    });
    await u.waitForFunction(() => document.querySelector('#margin')?.textContent === '+1.60');
    assert.equal(await u.textContent('#review-label'), 'anomalous');
    assert.equal(await u.textContent('#status-badge'), 'predicted');
    assert.equal(await u.isVisible('#scan-action'), false);
    await clean(p);
    await clean(u);
    await p.context().close();
    await u.context().close();
  });
});
