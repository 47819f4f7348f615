/**
 * The first run and the readable score, in light and dark theme: the one-time offer when a folder
 * with images and no model opens; the Findings view of a model trained on two images (many flags,
 * each with its margin over the threshold); the live preview of a sensitivity change. The
 * screenshots go to artifacts/e2e/ (docs/img/ keeps copies that docs/extension.md shows).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { e2eMissing, startCodeServer, type CodeServer, type Theme } from './codeServer';
import { contextMenuItem, explorerRow, findingsRows, log, revealFolder, runCommand, shotsDir, showFindings, until, waitForLog } from './ui';

const skip = e2eMissing();

function writePlates(root: string): void {
  const put = (rel: string, bytes: Uint8Array) => {
    const file = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  };
  for (let i = 0; i < 2; i++) put(`plates/train/normal-${i}.png`, encodeSamplePng(generateTexture('brushed', 10 + i, 128)));
  for (let i = 0; i < 10; i++) put(`plates/test/good-${i}.png`, encodeSamplePng(generateTexture('brushed', 40 + i, 128)));
  (['scratch', 'spot', 'crack'] as const).forEach((d, i) => put(`plates/test/${d}-0.png`, encodeSamplePng(generateTexture('brushed', 90 + i, 128, d))));
  // autoScan off: the tests start the scans; autoFlag stays at its default (ask), which makes the offer.
  put('.vscode/settings.json', new TextEncoder().encode(`${JSON.stringify({ 'anomalyLens.autoScan': false }, null, 2)}\n`));
}

describe('Anomaly Lens: first run, many flags, threshold preview', { skip, timeout: 12 * 60_000 }, () => {
  const states: string[] = [];
  let cs: CodeServer | undefined;

  after(async () => {
    await cs?.close();
    if (!process.env.ANOMALY_LENS_E2E_KEEP) for (const s of states) rmSync(s, { recursive: true, force: true });
  });

  for (const theme of ['light', 'dark'] as Theme[]) {
    test(`${theme}: the offer once, a two-image model's findings, the sensitivity preview`, async () => {
      mkdirSync(shotsDir, { recursive: true });
      const state = mkdtempSync(path.join(os.tmpdir(), 'al-e2e-first-'));
      states.push(state);
      const root = path.join(state, 'workspace');
      writePlates(root);
      cs = await startCodeServer({ stateDir: state, workspace: root, theme });
      const p = cs.page;
      const offer = p.locator('.notification-toast', { hasText: 'no Anomaly Lens model yet' }).first();
      await offer.waitFor({ state: 'visible', timeout: 90_000 });
      assert.match(await offer.innerText(), /Pick Normal Images/);
      await p.screenshot({ path: path.join(shotsDir, `first-run-offer-${theme}.png`) });
      await offer.locator('.monaco-button', { hasText: 'Not Now' }).click();

      await runCommand(p, 'View: Show Explorer');
      await revealFolder(p, 'plates/train');
      await explorerRow(p, 'normal-0.png').click();
      await p.waitForTimeout(300);
      await explorerRow(p, 'normal-1.png').click({ modifiers: ['Shift'] });
      const since = log(cs).length;
      await explorerRow(p, 'normal-1.png').click({ button: 'right' });
      await contextMenuItem(p, 'Train Model from Selected Files');
      await waitForLog(cs, /Scanned \d+ images? in plates /, since, 240_000);
      await showFindings(p);
      const rows = await until('the findings', async () => {
        const r = await findingsRows(p);
        return r.filter((x) => !x.group).length >= 15 ? r : undefined;
      });
      const margins = rows.filter((r) => !r.group && /^[+-]\d/.test(r.description)).map((r) => parseFloat(r.description));
      assert.equal(new Set(margins.map((m) => m.toFixed(2))).size, margins.length, `every image has its own score: ${JSON.stringify(rows)}`);
      await runCommand(p, 'Notifications: Clear All Notifications').catch(() => undefined);
      await p.screenshot({ path: path.join(shotsDir, `findings-many-flags-${theme}.png`) });

      await runCommand(p, 'Anomaly Lens: Set Threshold / Sensitivity');
      await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Sensitivity…' }).first().click();
      const input = p.locator('.quick-input-widget .quick-input-box input');
      await input.fill('0.1');
      const message = p.locator('.quick-input-widget .quick-input-message', { hasText: /would be flagged/ });
      await message.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await message.innerText(), /\d+ of \d+ scanned images would be flagged \(now \d+\)/);
      await p.screenshot({ path: path.join(shotsDir, `threshold-preview-${theme}.png`) });
      await p.keyboard.press('Escape');
      await cs.close();
      cs = undefined;
    });
  }
});
