/**
 * The whole review loop in a real VS Code (code-server 4.100.3) driven through Chromium:
 * train from selected files → scan → Findings → review editor → accept / correct / reject →
 * annotation files; DICOM viewing; broken files; cancelling; killing the extension host.
 * The scenarios share one workspace and run in order (each builds on the state before it).
 * Screenshots in light and dark theme land in artifacts/e2e/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ANNOTATIONS, canvasPixel, readAnnotation as readAnnotationIn, rleAt, validate, windowed } from './checks';
import { e2eMissing, startCodeServer, type CodeServer } from './codeServer';
import { reviewEditorScenarios } from './reviewEditor.scenarios';
import {
  contextMenuItem, explorerRow, findingRow, findingsRows, imageToPage, log, reviewFrame, revealFolder, runCommand,
  shoot, shotsDir, showFindings, until, viewSettled, waitForLog, type TreeRow,
} from './ui';
import { CORRUPT_PNG, CT, CT_MULTIFRAME, DEFECTS, GOOD, TEXTURE_SIZE, TRAIN, TRUNCATED_DICOM, ctFrameHu as ctHu, writeWorkspace, type Workspace } from './workspace';

const skip = e2eMissing();

describe('Anomaly Lens in code-server', { skip, timeout: 15 * 60_000 }, () => {
  let cs: CodeServer;
  let ws: Workspace;
  let state: string;
  let p: Page;
  const readAnnotationOrUndefined = (rel: string) => (existsSync(annotationFile(rel)) ? readAnnotation(rel) : undefined);

  const annotationFile = (rel: string) => path.join(ws.root, ANNOTATIONS, `${rel}.json`);
  const readAnnotation = (rel: string) => readAnnotationIn(ws.root, rel);
  const allAnnotationFiles = (): string[] => {
    const out: string[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const n of readdirSync(d)) {
        const f = path.join(d, n);
        if (statSync(f).isDirectory()) walk(f);
        else out.push(f);
      }
    };
    walk(path.join(ws.root, ANNOTATIONS));
    return out;
  };

  before(async () => {
    mkdirSync(shotsDir, { recursive: true });
    state = mkdtempSync(path.join(os.tmpdir(), 'al-e2e-'));
    ws = writeWorkspace(path.join(state, 'workspace'));
    cs = await startCodeServer({ stateDir: state, workspace: ws.root });
    p = cs.page;
    // Activation is lazy: opening the view activates it.
    await showFindings(p);
    await until('the extension to activate', () => /activated in/.test(log(cs)) || undefined, 60_000);
    await runCommand(p, 'View: Show Explorer');
  });

  after(async () => {
    if (cs) {
      // For a failed run: the last screen and the extension's log.
      await cs.page.screenshot({ path: path.join(shotsDir, 'last-screen.png') }).catch(() => undefined);
      console.log(`--- Anomaly Lens log ---\n${log(cs).split('\n').slice(-40).join('\n')}`);
    }
    await cs?.close();
    if (state && !process.env.ANOMALY_LENS_E2E_KEEP) rmSync(state, { recursive: true, force: true });
    else if (state) console.log(`e2e state kept in ${state}`);
  });

  test('1 train from selected files → scan → defects ranked first → heatmap on the defect → accept', async () => {
    await revealFolder(p, 'parts/train');
    const names = TRAIN.map((r) => r.split('/').pop()!);
    await explorerRow(p, names[0]).click();
    await p.waitForTimeout(500);
    await explorerRow(p, names[names.length - 1]).click({ modifiers: ['Shift'] });
    await until('six files selected', async () => (await p.locator('.explorer-folders-view .monaco-list-row.selected').count()) === names.length);
    const since = log(cs).length;
    await explorerRow(p, names[names.length - 1]).click({ button: 'right' });
    await contextMenuItem(p, 'Train Model from Selected Files');
    await waitForLog(cs, /model \S+ is active/, since, 180_000);
    await shoot(cs, '01-training-done');
    await waitForLog(cs, /Scanned \d+ images?/, since, 300_000);

    await showFindings(p);
    await until('findings listed', async () => (await findingsRows(p)).filter((r) => !r.group).length >= GOOD.length + 3);
    const rows = await findingsRows(p);
    const defectNames = Object.keys(DEFECTS).map((r) => r.split('/').pop()!);
    // The tree's first group is "Needs review" (unsure either way); the ranking itself must put every defect first.
    const flagged = rowsOfGroup(rows, 'Flagged');
    assert.ok(flagged.length > 0 && defectNames.includes(flagged[0].name), `Flagged starts with a defect: ${JSON.stringify(rows)}`);
    const ranked = rows.filter((r) => !r.group && /^[+-]?\d/.test(r.description)).sort((a, b) => parseFloat(b.description) - parseFloat(a.description));
    assert.deepEqual(ranked.slice(0, defectNames.length).map((r) => r.name).sort(), [...defectNames].sort(), `the defects have the highest scores: ${JSON.stringify(ranked)}`);
    assert.deepEqual(rowsOfGroup(rows, 'Errors'), [], 'the Errors group starts collapsed');
    const images = ranked;
    await shoot(cs, '01-findings');

    const top = images[0].name;
    const rel = Object.keys(DEFECTS).find((r) => r.endsWith(`/${top}`))!;
    await findingRow(p, top).click();
    const f = await reviewFrame(p, top);
    await until('the heatmap', () => f.evaluate(() => !!(window as never as { __anomalyLens: { view: { heatmap: unknown } } }).__anomalyLens.view.heatmap), 120_000);
    // Normalised heatmaps clip at 1, so a clear defect has a hottest *region*: it must reach the defect and stay local.
    const hot = await hottestCells(f);
    const mask = ws.masks.get(rel)!;
    const d = Math.min(...hot.cells.map(([x, y]) => distanceToMask(mask, TEXTURE_SIZE, x, y)));
    assert.ok(d <= hot.cell * 1.5, `the hottest heatmap cells (${hot.cells.length}) reach the defect (distance ${d.toFixed(1)} px, cell ${hot.cell.toFixed(1)} px)`);
    assert.ok(hot.fraction < 0.3, `the hottest region is local: ${(hot.fraction * 100).toFixed(0)} % of the image`);
    await shoot(cs, '01-review-heatmap');

    await f.locator('#accept').click();
    const a = await until('the accepted annotation', () => {
      const x = existsSync(annotationFile(rel)) ? readAnnotation(rel) : undefined;
      return x?.status === 'accepted' ? x : undefined;
    });
    assert.equal(a.label, 'anomalous');
    assert.equal(a.image.path, rel);
    await shoot(cs, '01-accepted');
  });

  test('5 a corrupt PNG and a truncated DICOM: the scan finishes, both under Errors with reasons, the host stays responsive', async () => {
    // Scenario 1's scan covered broken/: it finished (its summary was logged) with two failures.
    assert.match(log(cs), /Scanned \d+ images?(?: in \S+)? in [\d.]+ s: \d+ scored \(\d+ flagged\), \d+ unchanged, 2 failed/);
    await showFindings(p);
    const group = findingRow(p, 'Errors');
    if ((await group.getAttribute('aria-expanded')) === 'false') await group.click();
    const errors = await until('two errors', async () => {
      const r = rowsOfGroup(await findingsRows(p), 'Errors');
      return r.length === 2 ? r : undefined;
    });
    const byName = Object.fromEntries(errors.map((r) => [r.name, r.description]));
    assert.match(byName[path.basename(CORRUPT_PNG)] ?? '', /^DECODE_FAILED: .*PNG/, JSON.stringify(errors));
    assert.match(byName[path.basename(TRUNCATED_DICOM)] ?? '', /^FILE_TRUNCATED: /, JSON.stringify(errors));
    await shoot(cs, '05-errors');
    // Opening a broken file shows a clear message instead of an image.
    await findingRow(p, path.basename(TRUNCATED_DICOM)).click();
    const f = await reviewFrame(p, path.basename(TRUNCATED_DICOM));
    await f.locator('#load-error').waitFor();
    assert.equal(await f.locator('#error-code').innerText(), 'FILE_TRUNCATED');
    await shoot(cs, '05-error-editor');
    // Responsive: a command round trip through the extension host answers at once.
    const t0 = Date.now();
    await runCommand(p, 'Anomaly Lens: Show Log');
    await p.locator('.panel .monaco-editor, .part.panel .monaco-editor').first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(Date.now() - t0 < 10_000, 'the log opened within 10 s');
    await runCommand(p, 'View: Close All Editors');
    await runCommand(p, 'View: Hide Panel').catch(() => undefined);
  });

  test('3 reject a false positive → rejected; Rescan keeps every human decision', async () => {
    await showFindings(p);
    const rows = await findingsRows(p);
    const goodNames = GOOD.map((r) => path.basename(r));
    const fp = rows.filter((r) => !r.group && goodNames.includes(r.name)).sort((a, b) => parseFloat(b.description) - parseFloat(a.description))[0];
    const rel = GOOD.find((r) => r.endsWith(`/${fp.name}`))!;
    await findingRow(p, fp.name).click();
    const f = await reviewFrame(p, fp.name);
    await f.locator('#reject').click();
    const a = await until('the rejected annotation', () => {
      const x = existsSync(annotationFile(rel)) ? readAnnotation(rel) : undefined;
      return x?.status === 'rejected' ? x : undefined;
    });
    assert.equal(a.label, 'normal');
    assert.deepEqual(a.regions, []);
    await shoot(cs, '03-rejected');

    // Rescan the whole folder (no editor open, so it is not just the active image).
    await runCommand(p, 'View: Close All Editors');
    const accepted = Object.keys(DEFECTS).find((r) => existsSync(annotationFile(r)) && readAnnotation(r).status === 'accepted')!;
    const before = { [rel]: readAnnotation(rel), [accepted]: readAnnotation(accepted) };
    const since = log(cs).length;
    await runCommand(p, 'Anomaly Lens: Rescan');
    await waitForLog(cs, /Scanned \d+ images?/, since, 120_000);
    for (const r of [rel, accepted]) {
      const now = readAnnotation(r);
      assert.equal(now.status, before[r].status, `${r} keeps its status`);
      assert.equal(now.label, before[r].label, `${r} keeps its label`);
      assert.deepEqual(now.regions, before[r].regions, `${r} keeps its regions`);
      assert.deepEqual(now.review, before[r].review, `${r} keeps its review`);
    }
    assert.doesNotMatch(log(cs), /changed outside Anomaly Lens/, 'our own writes are never mistaken for outside edits');
    await showFindings(p);
    const reviewed = await until('Reviewed lists both', async () => {
      const r = rowsOfGroup(await findingsRows(p), 'Reviewed').map((x) => x.name);
      return r.includes(path.basename(rel)) && r.includes(path.basename(accepted)) ? r : undefined;
    });
    assert.ok(reviewed.length >= 2);
    await shoot(cs, '03-after-rescan');
  });

  test('2 brush and polygon, undo, redo, save → regions in image coordinates', async () => {
    const rel = Object.keys(DEFECTS).find((r) => readAnnotationOrUndefined(r)?.status === 'predicted')!;
    const name = path.basename(rel);
    // A point far from the stroke that the model's own prediction does not cover.
    const predicted = (readAnnotation(rel).prediction?.regions ?? []).filter((r) => r.kind === 'mask' && r.rle);
    const far = [[35, 60], [10, 150], [150, 10], [150, 150], [80, 150], [10, 100]].find(([x, y]) => !predicted.some((m) => rleAt(m.rle!, x, y)));
    assert.ok(far, 'some far point is outside the predicted region');
    await showFindings(p);
    await findingRow(p, name).click();
    const f = await reviewFrame(p, name);
    await f.locator('#tool-brush').click();
    await viewSettled(p, f);
    const [x0, y0] = await imageToPage(p, f, 20, 20);
    const [x1, y1] = await imageToPage(p, f, 50, 20);
    await p.mouse.move(x0, y0);
    await p.mouse.down();
    for (let i = 1; i <= 10; i++) await p.mouse.move(x0 + ((x1 - x0) * i) / 10, y0 + ((y1 - y0) * i) / 10);
    await p.mouse.up();
    await f.locator('#tool-polygon').click();
    await viewSettled(p, f);
    const poly = [[100, 110], [140, 110], [140, 150], [100, 150]];
    for (const [x, y] of poly) {
      const [px, py] = await imageToPage(p, f, x, y);
      await p.mouse.click(px, py);
      await p.waitForTimeout(350); // not a double-click
    }
    await p.keyboard.press('Enter');
    const count = () => f.evaluate(() => (window as never as { __anomalyLens: { edits: { toRegions(): unknown[] } } }).__anomalyLens.edits.toRegions().length);
    const withPolygon = await count();
    await f.locator('#undo').click();
    assert.equal(await count(), withPolygon - 1, 'undo removes the polygon');
    await shoot(cs, '02-after-undo');
    await f.locator('#redo').click();
    assert.equal(await count(), withPolygon, 'redo brings it back');
    await until('saved', async () => (await f.locator('#save-state').innerText()) === 'Saved' && readAnnotationOrUndefined(rel)?.status === 'corrected');
    const a = readAnnotation(rel);
    const polygon = a.regions.find((r) => r.kind === 'polygon');
    assert.ok(polygon?.points, `a polygon region: ${JSON.stringify(a.regions)}`);
    const pts = polygon.points;
    assert.equal(pts.length, 8);
    poly.forEach(([x, y], i) => {
      assert.ok(Math.abs(pts[2 * i] - x) <= 1.5 && Math.abs(pts[2 * i + 1] - y) <= 1.5, `vertex ${i} at (${x}, ${y}) in image pixels: ${pts}`);
    });
    const masks = a.regions.filter((r) => r.kind === 'mask' && r.rle);
    const covered = (x: number, y: number) => masks.some((m) => rleAt(m.rle!, x, y));
    assert.ok(covered(35, 20), 'the brush stroke is in the saved mask');
    assert.ok(!covered(far[0], far[1]), `the mask does not spill far from the stroke (${far})`);
    assert.ok(!a.regions.some((r) => predicted.some((m) => m.id === r.id)), 'the model\'s region is not part of the saved answer');
    assert.equal(a.prediction?.regions.length, predicted.length, 'the prediction stays as provenance');
    await shoot(cs, '02-corrected');
    await runCommand(p, 'View: Close All Editors');
  });

  test('4 DICOM multi-frame 16-bit: window/level and frame change the pixels as expected', async () => {
    await runCommand(p, 'View: Show Explorer');
    await revealFolder(p, 'ct');
    await explorerRow(p, path.basename(CT_MULTIFRAME)).click({ button: 'right' });
    await contextMenuItem(p, 'Open in Anomaly Lens');
    const f = await reviewFrame(p, path.basename(CT_MULTIFRAME));
    const info = await until('the DICOM image', () => f.evaluate(() => (window as never as { __anomalyLens: { info: { bitDepth: number; frameCount: number; width: number; height: number } | null } }).__anomalyLens.info ?? undefined));
    assert.equal(info.frameCount, CT.frames);
    assert.equal(info.width, CT.columns);
    assert.ok(info.bitDepth > 8, `16-bit data (bitDepth ${info.bitDepth})`);
    // Heatmap off (H) so the canvas shows the image alone.
    const [cx, cy] = await imageToPage(p, f, CT.columns / 2, CT.rows / 2);
    await p.mouse.click(cx, cy);
    await p.keyboard.press('h');
    await until('heatmap hidden', () => f.evaluate(() => !(window as never as { __anomalyLens: { view: { overlay: { visible: boolean } } } }).__anomalyLens.view.overlay.visible));
    const tx = 64;
    const ty = 48;
    const gray = async () => (await canvasPixel(f, tx, ty))[0];
    // Default window (file preset 1: C 40 / W 400) on frame 1: tissue near mid-grey.
    const g0 = await gray();
    const hu0 = ctHu(0, tx, ty);
    const expected0 = windowed(hu0, 40, 400);
    assert.ok(Math.abs(g0 - expected0) <= 6, `frame 1 tissue grey ${g0}, expected ≈${expected0.toFixed(0)}`);
    await shoot(cs, '04-dicom-frame1');
    // Frame 3: tissue is 400 HU brighter → above the window → white.
    await f.locator('#frame').fill('2');
    await until('frame 3 shown', async () => (await f.locator('#frame-label').innerText()) === '3 / 3');
    const g2 = await until('frame 3 pixels', async () => {
      const g = await gray();
      return g !== g0 ? g : undefined;
    }, 15_000);
    assert.ok(Math.abs(g2 - windowed(ctHu(2, tx, ty), 40, 400)) <= 6, `frame 3 tissue grey ${g2}`);
    // Window/level drag (W/L tool): dragging down raises the centre → the same tissue gets darker.
    await f.locator('#tool-windowLevel').click();
    const [sx, sy] = await imageToPage(p, f, 30, 30);
    await p.mouse.move(sx, sy);
    await p.mouse.down();
    for (let i = 1; i <= 10; i++) await p.mouse.move(sx, sy + 15 * i);
    await p.mouse.up();
    const g3 = await until('darker after W/L drag', async () => {
      const g = await gray();
      return g < g2 - 20 ? g : undefined;
    }, 10_000);
    assert.ok(g3 < g2, `W/L drag darkened the tissue (${g2} → ${g3})`);
    await shoot(cs, '04-dicom-frame3-wl');
    await runCommand(p, 'View: Close All Editors');
  });

  reviewEditorScenarios(() => ({ cs, p, ws }));

  test('6 cancel a long scan: it stops within a second and leaves no partial file', async () => {
    writeBulk(ws.root, BULK);
    // A whole-folder Rescan: no editor open (else it rescans the active image), no toast hiding the progress.
    await runCommand(p, 'View: Close All Editors');
    await runCommand(p, 'Notifications: Clear All Notifications').catch(() => undefined);
    const since = log(cs).length;
    await runCommand(p, 'Anomaly Lens: Rescan');
    const start = Date.now();
    // Let it get going: some bulk annotations written.
    const cancel = p.locator('.notification-toast .monaco-button', { hasText: 'Cancel' }).first();
    await cancel.waitFor({ state: 'visible', timeout: 60_000 });
    await until('the scan under way', () => bulkAnnotations(ws.root).some((f) => statSync(f).mtimeMs >= start) || undefined, 120_000, 50);
    await cancel.click();
    const clicked = Date.now();
    await waitForLog(cs, /Rescan: cancelled/, since, 10_000);
    const loggedAfter = Date.now() - clicked;
    await p.waitForTimeout(3000);
    const lastWrite = Math.max(...bulkAnnotations(ws.root).map((f) => statSync(f).mtimeMs));
    assert.ok(lastWrite - clicked <= 1000, `no annotation written later than 1 s after cancel (last ${lastWrite - clicked} ms after)`);
    assert.ok(loggedAfter <= 3000, `the cancellation was acknowledged (${loggedAfter} ms)`);
    const written = bulkAnnotations(ws.root).filter((f) => statSync(f).mtimeMs >= start).length;
    assert.ok(written < BULK, `the scan stopped early (${written} of ${BULK} written)`);
    for (const f of allAnnotationFiles()) {
      assert.doesNotMatch(f, /\.tmp-/, 'no temporary file left behind');
      const a = JSON.parse(readFileSync(f, 'utf8')) as unknown;
      assert.ok(validate(a), `${f} is a valid annotation`);
    }
    await shoot(cs, '06-cancelled');
    console.log(`cancel: acknowledged after ${loggedAfter} ms; last write ${lastWrite - clicked} ms after the click; ${written}/${BULK} written`);
  });

  test('7 kill the extension host while annotations are written: every file is old or new and valid', async () => {
    const reviewedBefore = Object.fromEntries([...Object.keys(DEFECTS), ...GOOD].map((r) => [r, readAnnotationOrUndefined(r)?.status]));
    const since = log(cs).length;
    await runCommand(p, 'Anomaly Lens: Rescan');
    const start = Date.now();
    await until('annotations being written', () => bulkAnnotations(ws.root).filter((f) => statSync(f).mtimeMs >= start).length >= 3 || undefined, 120_000, 50);
    const pid = extensionHostPid(cs.server.pid!);
    assert.ok(pid, 'found the extension host process');
    process.kill(pid, 'SIGKILL');
    void since;
    await p.waitForTimeout(1000);
    let temps = 0;
    for (const f of allAnnotationFiles()) {
      if (/\.tmp-/.test(f)) {
        temps++; // a crash may leave a temporary file; it is never read as an annotation
        continue;
      }
      const a = JSON.parse(readFileSync(f, 'utf8')) as unknown;
      assert.ok(validate(a), `${f} is a valid annotation after the crash`);
    }
    await shoot(cs, '07-host-killed');
    // Restart: reload the window; the extension comes back with every human decision.
    const activations = (log(cs).match(/activated in/g) ?? []).length;
    await runCommand(p, 'Developer: Reload Window');
    // Wait for the reloaded window (not the old page's rows) before driving it.
    await until('the extension to activate again', () => (log(cs).match(/activated in/g) ?? []).length > activations || undefined, 60_000);
    await p.locator('.explorer-folders-view .monaco-list-row, [id="workbench.view.extension.anomalyLens"]').first().waitFor({ timeout: 60_000 });
    await showFindings(p);
    for (const [r, status] of Object.entries(reviewedBefore)) {
      if (status) assert.equal(readAnnotation(r).status, status, `${r} kept its status`);
    }
    // The list renders only visible rows: collapse the big groups so that Reviewed is on screen.
    await until('the tree filled', async () => (await findingsRows(p)).some((r) => r.group) || undefined);
    for (const g of ['Needs review', 'Flagged', 'Normal']) {
      const row = findingRow(p, g);
      if ((await row.count()) && (await row.getAttribute('aria-expanded')) === 'true') await row.click();
    }
    const reviewedRow = findingRow(p, 'Reviewed');
    await reviewedRow.waitFor({ state: 'visible' });
    if ((await reviewedRow.getAttribute('aria-expanded')) === 'false') await reviewedRow.click();
    const reviewed = await until('Reviewed listed', async () => {
      const r = rowsOfGroup(await findingsRows(p), 'Reviewed');
      return r.length >= 3 ? r : undefined;
    });
    assert.ok(reviewed.length >= 3);
    // Auto-scan is off here, so the two broken files can only be listed from remembered state.
    const errorsRow = findingRow(p, 'Errors');
    await errorsRow.waitFor({ state: 'visible' });
    if ((await errorsRow.getAttribute('aria-expanded')) === 'false') await errorsRow.click();
    const errorsAfter = await until('Errors listed after the restart', async () => {
      const r = rowsOfGroup(await findingsRows(p), 'Errors');
      return r.length === 2 ? r : undefined;
    });
    assert.deepEqual(errorsAfter.map((r) => r.name).sort(), [path.basename(CORRUPT_PNG), path.basename(TRUNCATED_DICOM)].sort());
    // The status bar shows the active model without any model change after the restart.
    await until('the model in the status bar', async () => (await p.locator('.statusbar-item', { hasText: /gpmlp-/ }).count()) > 0 || undefined, 30_000);
    await shoot(cs, '07-after-restart');
    console.log(`kill: ${temps} temporary file(s) left by the crash`);
  });
});

const BULK = 200;

/** Many more images, so that a scan takes long enough to cancel or crash in the middle. */
function writeBulk(root: string, n: number): void {
  // Inside parts/, which the scenario 1 model serves.
  mkdirSync(path.join(root, 'parts', 'bulk'), { recursive: true });
  for (let i = 0; i < n; i++) {
    writeFileSync(path.join(root, 'parts', 'bulk', `img-${String(i).padStart(3, '0')}.png`), encodeSamplePng(generateTexture('woven', 900 + i, TEXTURE_SIZE)));
  }
}

function bulkAnnotations(root: string): string[] {
  const dir = path.join(root, ANNOTATIONS, 'parts', 'bulk');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !/\.tmp-/.test(n)).map((n) => path.join(dir, n)) : [];
}

/** The extension host among code-server's descendants (`--type=extensionHost`). */
function extensionHostPid(root: number): number | undefined {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).split('\n').map((l) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l);
    return m ? { pid: Number(m[1]), ppid: Number(m[2]), args: m[3] } : undefined;
  }).filter((x): x is { pid: number; ppid: number; args: string } => !!x);
  const mine = new Set([root]);
  for (let changed = true; changed;) {
    changed = false;
    for (const r of table) if (mine.has(r.ppid) && !mine.has(r.pid)) { mine.add(r.pid); changed = true; }
  }
  return table.find((r) => mine.has(r.pid) && /--type=extensionHost/.test(r.args))?.pid;
}

/** The image rows under a group row (in tree order). */
function rowsOfGroup(rows: TreeRow[], group: string): TreeRow[] {
  const i = rows.findIndex((r) => r.group && r.name === group);
  if (i < 0) return [];
  const out: TreeRow[] = [];
  for (const r of rows.slice(i + 1)) {
    if (r.group) break;
    out.push(r);
  }
  return out;
}

/** Centres of the hottest heatmap cells (all cells at the maximum) in image coordinates, the cell size and their share of the map. */
async function hottestCells(f: Frame): Promise<{ cells: [number, number][]; cell: number; fraction: number }> {
  return f.evaluate(() => {
    const app = (window as never as { __anomalyLens: { score: { heatmap: { width: number; height: number; data: ArrayBuffer; bounds?: { x: number; y: number; width: number; height: number } } }; info: { width: number; height: number } } }).__anomalyLens;
    const hm = app.score.heatmap;
    const v = new Float32Array(hm.data);
    let max = -Infinity;
    for (const x of v) if (x > max) max = x;
    const b = hm.bounds ?? { x: 0, y: 0, width: app.info.width, height: app.info.height };
    const sx = b.width / hm.width;
    const sy = b.height / hm.height;
    const cells: [number, number][] = [];
    v.forEach((x, i) => {
      if (x >= max - 1e-6) cells.push([b.x + ((i % hm.width) + 0.5) * sx, b.y + (Math.floor(i / hm.width) + 0.5) * sy]);
    });
    return { cells, cell: Math.max(sx, sy), fraction: cells.length / v.length };
  });
}

function distanceToMask(mask: Uint8Array, size: number, x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const d = Math.hypot((i % size) + 0.5 - x, Math.floor(i / size) + 0.5 - y);
    if (d < best) best = d;
  }
  return best;
}

