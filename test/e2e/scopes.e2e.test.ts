/**
 * Models belong to folders, in a real VS Code (code-server) with the installed VSIX: a workspace
 * with two unrelated image folders; train from a selection in one → only that folder is scored,
 * the other is listed as not scanned; train for the second → both scored by their own model;
 * switch models with Select Model. Screenshots (light and dark) land in artifacts/e2e/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateTexture, type TextureKind } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { e2eMissing, startCodeServer, type CodeServer } from './codeServer';
import { contextMenuItem, explorerRow, findingsRows, log, revealFolder, runCommand, shoot, shotsDir, showFindings, until, waitForLog } from './ui';

const skip = e2eMissing();
const SIZE = 128;
const FOLDERS: Record<string, TextureKind> = { woven: 'woven', granite: 'granite' };

function writeScopedWorkspace(root: string): void {
  const put = (rel: string, bytes: Uint8Array) => {
    const file = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  };
  Object.entries(FOLDERS).forEach(([dir, kind], k) => {
    for (let i = 0; i < 4; i++) put(`${dir}/train/normal-${i}.png`, encodeSamplePng(generateTexture(kind, 100 * (k + 1) + i, SIZE)));
    for (let i = 0; i < 3; i++) put(`${dir}/test/good-${i}.png`, encodeSamplePng(generateTexture(kind, 100 * (k + 1) + 50 + i, SIZE)));
    put(`${dir}/test/scratch-0.png`, encodeSamplePng(generateTexture(kind, 100 * (k + 1) + 90, SIZE, 'scratch')));
  });
  put('.vscode/settings.json', new TextEncoder().encode(`${JSON.stringify({ 'anomalyLens.autoFlag': 'never', 'anomalyLens.autoScan': false }, null, 2)}\n`));
}

function annotated(root: string, dir: string): string[] {
  const base = path.join(root, '.anomaly-lens/annotations', dir);
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      if (statSync(path.join(d, n)).isDirectory()) walk(path.join(d, n));
      else out.push(n);
    }
  };
  walk(base);
  return out;
}

describe('Anomaly Lens: models belong to folders', { skip, timeout: 10 * 60_000 }, () => {
  let cs: CodeServer;
  let state: string;
  let root: string;

  before(async () => {
    mkdirSync(shotsDir, { recursive: true });
    state = mkdtempSync(path.join(os.tmpdir(), 'al-e2e-scopes-'));
    root = path.join(state, 'workspace');
    writeScopedWorkspace(root);
    cs = await startCodeServer({ stateDir: state, workspace: root });
    await showFindings(cs.page);
    await until('the extension to activate', () => /activated in/.test(log(cs)) || undefined, 60_000);
  });

  after(async () => {
    if (cs) {
      await cs.page.screenshot({ path: path.join(shotsDir, 'scopes-last-screen.png') }).catch(() => undefined);
      console.log(`--- Anomaly Lens log ---\n${log(cs).split('\n').slice(-30).join('\n')}`);
    }
    await cs?.close();
    if (state && !process.env.ANOMALY_LENS_E2E_KEEP) rmSync(state, { recursive: true, force: true });
  });

  const trainFromExplorer = async (dir: string) => {
    const p = cs.page;
    await runCommand(p, 'View: Show Explorer');
    await revealFolder(p, `${dir}/train`);
    await explorerRow(p, 'normal-0.png').click();
    await p.waitForTimeout(300);
    await explorerRow(p, 'normal-3.png').click({ modifiers: ['Shift'] });
    const since = log(cs).length;
    await explorerRow(p, 'normal-3.png').click({ button: 'right' });
    await contextMenuItem(p, 'Train Model from Selected Files');
    await waitForLog(cs, new RegExp(`model \\S+ is active for ${dir} `), since, 240_000);
    await waitForLog(cs, new RegExp(`Scanned \\d+ images? in ${dir} `), since, 240_000);
  };

  test('train from a selection in one folder: only it is scored; the other is listed as not scanned', async () => {
    await trainFromExplorer('woven');
    assert.equal(annotated(root, 'woven').length, 8, 'every woven image has an annotation');
    assert.deepEqual(annotated(root, 'granite'), [], 'no granite image was scored by the woven model');
    await showFindings(cs.page);
    const rows = await until('the Not scanned entry', async () => {
      const r = await findingsRows(cs.page);
      return r.some((x) => x.name === 'Not scanned') ? r : undefined;
    });
    const unscanned = rows.filter((r) => /^granite\//.test(r.name)).map((r) => r.description);
    assert.ok(unscanned.length > 0 && unscanned.every((d) => /not scanned/.test(d)), `granite folders listed as not scanned: ${JSON.stringify(rows)}`);
    assert.ok(!rows.some((r) => /^woven\//.test(r.name) && /not scanned/.test(r.description)), 'woven is not listed as not scanned');
    const flagged = rows.filter((r) => !r.group && /^\+\d/.test(r.description));
    assert.ok(flagged.some((r) => r.name === 'scratch-0.png'), `the woven scratch is flagged with a positive margin: ${JSON.stringify(rows)}`);
    await shoot(cs, 'scopes-01-not-scanned');
  });

  test('train for the second folder: both scored by their own model; Select Model switches per folder', async () => {
    await trainFromExplorer('granite');
    assert.equal(annotated(root, 'granite').length, 8, 'every granite image has an annotation');
    await showFindings(cs.page);
    const rows = await until('one entry per folder', async () => {
      const r = await findingsRows(cs.page);
      return r.some((x) => x.name === 'woven/') && r.some((x) => x.name === 'granite/') ? r : undefined;
    });
    assert.ok(!rows.some((r) => r.name === 'Not scanned'), `nothing left unscanned: ${JSON.stringify(rows)}`);
    await shoot(cs, 'scopes-02-two-models');
    await until('the status bar names the granite model', async () => (await cs.page.locator('.statusbar-item', { hasText: /granite\// }).count()) > 0 || undefined);
    const p = cs.page;
    await runCommand(p, 'Anomaly Lens: Select Model');
    const woven = p.locator('.quick-input-list .monaco-list-row', { hasText: /^woven\// }).first();
    await woven.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await p.locator('.quick-input-list .monaco-list-row', { hasText: /granite\// }).count(), 1, 'both models are listed');
    await woven.click();
    await until('the status bar follows the woven model', async () => (await p.locator('.statusbar-item', { hasText: /woven\// }).count()) > 0 || undefined);
    await shoot(cs, 'scopes-03-switched');
  });
});
