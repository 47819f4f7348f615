/**
 * The review editor webview in headless Chromium against a fake host (test/webview/harness):
 * overlay colours, brush/polygon edits in image coordinates, undo/redo, shortcuts, window/level,
 * frames, the decode-error view, and light/dark screenshots in artifacts/webview/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { colorFor } from '../../src/shared/colormap';
import { decodeRle, paintSegment, rasterizePolygon, maskArea, type Region } from '../../src/shared/regions';
import { drawSampleRegions, toPage } from './harness/sampleEdits';
import { chromiumMissing, pageErrors, repoRoot, settle, startHarness, type Harness } from './harness/server';

const shots = path.join(repoRoot, 'artifacts/webview');

/** Page point → the image coordinates the webview computes for it. */
async function toImage(p: Page, px: number, py: number): Promise<[number, number]> {
  return p.evaluate(([x, y]) => {
    const app = (window as never as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toImage(a: number, b: number): [number, number] } } }).__anomalyLens;
    const r = app.view.canvas.getBoundingClientRect();
    return app.view.toImage(x - r.left, y - r.top);
  }, [px, py]);
}

/** RGBA of the display canvas at the screen position of image pixel (ix, iy)'s centre. */
async function pixelAt(p: Page, ix: number, iy: number): Promise<number[]> {
  await settle(p);
  return p.evaluate(([x, y]) => {
    const app = (window as never as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toScreen(a: number, b: number): [number, number] } } }).__anomalyLens;
    const [sx, sy] = app.view.toScreen(x + 0.5, y + 0.5);
    const ratio = window.devicePixelRatio;
    return Array.from(app.view.canvas.getContext('2d')!.getImageData(Math.floor(sx * ratio), Math.floor(sy * ratio), 1, 1).data);
  }, [ix, iy]);
}

const host = <T>(p: Page, expr: string): Promise<T> => p.evaluate(`window.__host.${expr}`) as Promise<T>;

async function savedCount(p: Page): Promise<number> {
  return host<number>(p, 'saved.length');
}

/** Wait until the host has received more than `n` saves; returns the latest regions. */
async function nextSave(p: Page, n: number): Promise<Region[]> {
  await p.waitForFunction((k) => (window as never as { __host: { saved: unknown[] } }).__host.saved.length > k, n);
  return p.evaluate(() => {
    const s = (window as never as { __host: { saved: { regions: Region[] }[] } }).__host.saved;
    return s[s.length - 1].regions;
  });
}

async function noProtocolOrPageErrors(p: Page): Promise<void> {
  assert.deepEqual(await host<string[]>(p, 'invalid'), [], 'every message the webview sent passes the host validators');
  assert.deepEqual(await host<string[]>(p, 'cspViolations'), [], 'no CSP violations');
  assert.deepEqual(pageErrors(p), [], 'no page errors');
}

describe('review editor webview', { skip: chromiumMissing }, () => {
  let h: Harness;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    h = await startHarness();
  });
  after(async () => h?.close());

  test('handshake: ready → init fills the score panel under the strict CSP', async () => {
    const p = await h.open({ scenario: 'gray8' });
    const first = await host<{ type: string; method: string; params: { protocolVersion: number } }>(p, 'received[0]');
    assert.equal(first.type, 'request');
    assert.equal(first.method, 'ready');
    assert.equal(first.params.protocolVersion, 1);
    assert.equal(await p.textContent('#raw-score'), '1.8734');
    assert.equal(await p.textContent('#threshold'), '1.2000');
    assert.match((await p.textContent('#normalized')) ?? '', /0\.830/);
    assert.equal(await p.textContent('#model-id'), 'bolts-2025-01-07-a1b2');
    assert.equal(await p.textContent('#backbone'), 'mobilenetv2');
    assert.equal(await p.textContent('#model-geometry'), 'Tiles 256 px, overlap 64 px, scale 1.14');
    assert.equal(await p.textContent('#status-badge'), 'predicted');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('the model panel says when a model resizes the whole image instead of tiling it', async () => {
    const p = await h.open({ scenario: 'gray8', geometry: 'whole' });
    assert.equal(await p.textContent('#model-geometry'), 'Whole image, resized to 224');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('a flagged image without a region says "global anomaly, no local region" in the score panel', async () => {
    const p = await h.open({ scenario: 'gray8-global' });
    assert.equal(await p.textContent('#finding'), 'global anomaly, no local region');
    await p.screenshot({ path: path.join(shots, 'review-global-finding.png') });
    const local = await h.open({ scenario: 'gray8' });
    assert.equal(await local.$('#finding'), null, 'a finding with a region shows no such line');
    await noProtocolOrPageErrors(p);
    await p.context().close();
    await local.context().close();
  });

  test('overlay colours match the fixed scale at known normalised scores', async () => {
    const p = await h.open({ scenario: 'gray8', opacity: '1' });
    // Blocks at heatmap cells (x, y, 20x20) → image = 4x; centres well inside each block.
    const cases = [
      { ix: 80, iy: 80, score: 0.5 },
      { ix: 200, iy: 80, score: 0.75 },
      { ix: 320, iy: 80, score: 1 },
      { ix: 80, iy: 200, score: 0.4 },
      { ix: 200, iy: 130, score: 0.1 },
    ];
    for (const c of cases) {
      const [r, g, b, a] = colorFor(c.score);
      const under = c.iy < 150 ? 100 : Math.round((c.ix / 399) * 255);
      const alpha = a / 255;
      const expected = [r, g, b].map((v) => v * alpha + under * (1 - alpha));
      const got = await pixelAt(p, c.ix, c.iy);
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(got[k] - expected[k]) <= 2, `score ${c.score}: channel ${k} is ${got[k]}, expected ${expected[k].toFixed(1)}`);
      }
    }
    // Half opacity halves the overlay's contribution.
    await p.evaluate(() => { const o = document.getElementById('opacity') as HTMLInputElement; o.value = '50'; o.dispatchEvent(new Event('input')); });
    const [r, g, b, a] = colorFor(1);
    const half = (a / 255) * 0.5;
    const got = await pixelAt(p, 320, 80);
    [r, g, b].forEach((v, k) => assert.ok(Math.abs(got[k] - (v * half + 100 * (1 - half))) <= 2, `half opacity channel ${k}: ${got[k]}`));
    // H hides the overlay: the image shows through unchanged.
    await p.keyboard.press('h');
    assert.deepEqual((await pixelAt(p, 320, 80)).slice(0, 3), [100, 100, 100]);
    await p.keyboard.press('h');
    assert.notDeepEqual((await pixelAt(p, 320, 80)).slice(0, 3), [100, 100, 100]);
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('a brush stroke after zooming saves the exact mask in image coordinates', async () => {
    const p = await h.open({ scenario: 'gray8' });
    await p.keyboard.press('+');
    await p.keyboard.press('+');
    await p.keyboard.press('b');
    const size = await p.evaluate(() => (window as never as { __anomalyLens: { brushSize: number } }).__anomalyLens.brushSize);
    const zoom = await p.evaluate(() => (window as never as { __anomalyLens: { view: { viewport: { zoom: number } } } }).__anomalyLens.view.viewport.zoom);
    assert.ok(zoom > 3, `zoomed in (zoom ${zoom})`);
    const [x0, y0] = (await toPage(p, 190, 110)).map(Math.round);
    const path: [number, number][] = [[x0, y0], [x0 + 40, y0 + 3], [x0 + 80, y0 + 10]];
    const n = await savedCount(p);
    await p.mouse.move(...path[0]);
    await p.mouse.down();
    for (const q of path.slice(1)) await p.mouse.move(q[0], q[1], { steps: 1 });
    await p.mouse.up();
    const regions = await nextSave(p, n);
    assert.equal(regions.length, 1);
    const [region] = regions;
    assert.equal(region.kind, 'mask');
    assert.equal(region.defectClass, 'scratch');
    if (region.kind !== 'mask') return;
    assert.deepEqual(region.rle.size, [300, 400], 'the mask has the IMAGE size, not the screen size');
    // The same stroke painted here from the image coordinates the webview computed.
    const pts = await Promise.all(path.map((q) => toImage(p, q[0], q[1])));
    const expected = new Uint8Array(400 * 300);
    paintSegment(expected, 400, 300, pts[0][0], pts[0][1], pts[0][0], pts[0][1], size, 1);
    for (let i = 1; i < pts.length; i++) paintSegment(expected, 400, 300, pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], size, 1);
    const got = decodeRle(region.rle);
    assert.deepEqual(got, expected);
    // ~ (80 screen px / zoom) long and `size` wide, at image x 190..(190 + 80/zoom).
    const area = maskArea(got);
    assert.ok(area > (80 / zoom) * size * 0.8 && area < (80 / zoom + size) * size * 1.2, `area ${area}`);
    assert.equal(got[110 * 400 + 190], 1);
    assert.equal(await p.textContent('#region-count'), '1');
    assert.equal(await p.textContent('#status-badge'), 'corrected');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('polygons: clicks + double-click close, Enter closes, Esc cancels; undo and redo', async () => {
    const p = await h.open({ scenario: 'gray8' });
    await p.keyboard.press('p');
    const verts: [number, number][] = [[40, 180], [160, 180], [100, 280]];
    const clicks = await Promise.all(verts.map(([x, y]) => toPage(p, x, y)));
    let n = await savedCount(p);
    await p.mouse.click(...clicks[0]);
    await p.mouse.click(...clicks[1]);
    await p.mouse.dblclick(...clicks[2]);
    let regions = await nextSave(p, n);
    assert.equal(regions.length, 1);
    const poly = regions[0];
    assert.equal(poly.kind, 'polygon');
    if (poly.kind !== 'polygon') return;
    assert.equal(poly.points.length, 6, 'three vertices, the double-click added no duplicate');
    const zoom = await p.evaluate(() => (window as never as { __anomalyLens: { view: { viewport: { zoom: number } } } }).__anomalyLens.view.viewport.zoom);
    verts.forEach(([x, y], i) => {
      assert.ok(Math.abs(poly.points[2 * i] - x) <= 1 / zoom + 0.01 && Math.abs(poly.points[2 * i + 1] - y) <= 1 / zoom + 0.01, `vertex ${i}`);
    });
    // Its raster is the triangle in image pixels: ~ half of 120 x 100.
    const area = maskArea(rasterizePolygon(poly.points, 400, 300));
    assert.ok(Math.abs(area - 6000) < 150, `triangle area ${area}`);

    // Esc drops a polygon in progress: nothing is saved.
    n = await savedCount(p);
    await p.mouse.click(...(await toPage(p, 250, 200)));
    await p.mouse.click(...(await toPage(p, 300, 200)));
    await p.keyboard.press('Escape');
    await p.waitForTimeout(200);
    assert.equal(await savedCount(p), n);

    // Enter closes a polygon of three clicked vertices, in the second class.
    await p.evaluate(() => { const s = document.getElementById('defect-class') as HTMLElement & { value: string }; s.value = 'dent'; s.dispatchEvent(new Event('change')); });
    for (const [x, y] of [[250, 200], [350, 200], [350, 280]] as const) await p.mouse.click(...(await toPage(p, x, y)));
    await p.keyboard.press('Enter');
    regions = await nextSave(p, n);
    assert.deepEqual(regions.map((r) => `${r.kind}:${r.defectClass}`), ['polygon:scratch', 'polygon:dent']);

    // Undo removes the last polygon, redo brings it back; both are saved to the host.
    n = await savedCount(p);
    await p.keyboard.press('Control+z');
    regions = await nextSave(p, n);
    assert.deepEqual(regions.map((r) => r.defectClass), ['scratch']);
    n = await savedCount(p);
    await p.keyboard.press('Control+Shift+z');
    regions = await nextSave(p, n);
    assert.deepEqual(regions.map((r) => r.defectClass), ['scratch', 'dent']);
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('eraser removes painted pixels; undo restores them exactly', async () => {
    const p = await h.open({ scenario: 'gray8' });
    await p.keyboard.press('b');
    for (let i = 0; i < 3; i++) await p.keyboard.press(']');
    const a = await toPage(p, 100, 200);
    const b = await toPage(p, 200, 200);
    let n = await savedCount(p);
    await p.mouse.move(...a);
    await p.mouse.down();
    await p.mouse.move(...b, { steps: 4 });
    await p.mouse.up();
    const painted = await nextSave(p, n);
    const full = painted[0].kind === 'mask' ? maskArea(decodeRle(painted[0].rle)) : 0;
    assert.ok(full > 0);
    await p.keyboard.press('e');
    n = await savedCount(p);
    const c = await toPage(p, 150, 200);
    await p.mouse.move(...c);
    await p.mouse.down();
    await p.mouse.up();
    const erased = await nextSave(p, n);
    const left = erased[0].kind === 'mask' ? maskArea(decodeRle(erased[0].rle)) : 0;
    assert.ok(left < full && left > 0, `erased part of the stroke (${full} → ${left})`);
    n = await savedCount(p);
    await p.keyboard.press('Control+z');
    const restored = await nextSave(p, n);
    assert.deepEqual(restored, painted);
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('keyboard shortcuts: A R J K H B E P V ? [ ] reach the right actions', async () => {
    const p = await h.open({ scenario: 'gray8' });
    await p.keyboard.press('a');
    await p.waitForFunction(() => document.getElementById('status-badge')?.textContent === 'accepted');
    await p.keyboard.press('r');
    await p.waitForFunction(() => document.getElementById('status-badge')?.textContent === 'rejected');
    assert.equal(await p.textContent('#review-label'), 'normal');
    await p.keyboard.press('j');
    await p.keyboard.press('k');
    await p.waitForFunction(() => (window as never as { __host: { navigations: string[] } }).__host.navigations.length === 2);
    assert.deepEqual(await host<string[]>(p, 'navigations'), ['next', 'previous']);
    for (const [key, tool] of [['b', 'brush'], ['e', 'eraser'], ['p', 'polygon'], ['w', 'windowLevel'], ['v', 'pan']]) {
      await p.keyboard.press(key);
      assert.equal(await p.getAttribute(`#tool-${tool}`, 'aria-pressed'), 'true', `${key} selects ${tool}`);
    }
    await p.keyboard.press('b');
    await p.evaluate(() => (window as never as { __host: { reopen(): void } }).__host.reopen());
    await p.waitForFunction(() => document.getElementById('tool-pan')?.getAttribute('aria-pressed') === 'true');
    assert.equal(await p.getAttribute('#tool-brush', 'aria-pressed'), 'false', 'an image opens with the hand tool, not the last tool');
    const overlayOn = () => p.evaluate(() => (window as never as { __anomalyLens: { view: { overlay: { visible: boolean } } } }).__anomalyLens.view.overlay.visible);
    assert.equal(await overlayOn(), true);
    await p.keyboard.press('h');
    assert.equal(await overlayOn(), false);
    await p.keyboard.press('?');
    assert.equal(await p.isVisible('#help'), true);
    const helpText = (await p.textContent('#help')) ?? '';
    for (const k of ['A', 'R', 'J', 'K', 'H', 'B', 'E', 'P', '[', ']', '?', 'Ctrl+Z']) assert.ok(helpText.includes(k), `help lists ${k}`);
    await p.keyboard.press('Escape');
    assert.equal(await p.isVisible('#help'), false);
    assert.equal(await p.textContent('#brush-size-label'), '10 px');
    await p.keyboard.press(']');
    assert.equal(await p.textContent('#brush-size-label'), '13 px');
    await p.keyboard.press('[');
    await p.keyboard.press('[');
    assert.equal(await p.textContent('#brush-size-label'), '8 px');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('16-bit DICOM: window/level changes pixels from raw values; presets; frames on demand', async () => {
    const p = await h.open({ scenario: 'gray16', heatmap: 'off', theme: 'light' });
    // Raw at x = 70 is 1120 → modality 96. Full range (C 1023.5, W 4096) → 69.8; soft tissue (C 40, W 400) → 163.2.
    assert.equal((await pixelAt(p, 70, 100))[0], 70);
    // CT presets come first in the menu (0-7), then the file's windows: soft tissue is 9.
    await p.evaluate(() => { const s = document.getElementById('wl-preset') as HTMLElement & { value: string }; s.value = '9'; s.dispatchEvent(new Event('change')); });
    assert.equal((await pixelAt(p, 70, 100))[0], 163);
    // W then 1: the CT brain preset (C 40, W 80): 96 HU is above the window → white; the readout follows.
    await p.keyboard.press('w');
    await p.keyboard.press('1');
    assert.equal((await pixelAt(p, 70, 100))[0], 255);
    assert.equal(await p.textContent('#wl-readout'), 'C 40 W 80');
    await p.keyboard.press('v');
    await p.evaluate(() => { const s = document.getElementById('wl-preset') as HTMLElement & { value: string }; s.value = '9'; s.dispatchEvent(new Event('change')); });
    // Right-button drag changes the window (custom), Shift+W resets to the file's default.
    const c = await toPage(p, 128, 100);
    await p.mouse.move(...c);
    await p.mouse.down({ button: 'right' });
    await p.mouse.move(c[0] + 60, c[1] - 40, { steps: 3 });
    await p.mouse.up({ button: 'right' });
    const dragged = (await pixelAt(p, 70, 100))[0];
    assert.notEqual(dragged, 163);
    await p.keyboard.press('Shift+W');
    assert.equal((await pixelAt(p, 70, 100))[0], 70);
    // Frame 2 is requested from the host (raw + 1000 → brighter), frame 1 again comes from the cache.
    const setFrame = (f: number) => p.evaluate((v) => { const s = document.getElementById('frame') as HTMLInputElement; s.value = String(v); s.dispatchEvent(new Event('input')); }, f);
    await setFrame(2);
    await p.waitForFunction(() => (window as never as { __host: { frameRequests: number[] } }).__host.frameRequests.includes(2));
    await p.waitForFunction(() => document.getElementById('frame-label')?.textContent === '3 / 3');
    await settle(p);
    assert.equal((await pixelAt(p, 70, 100))[0], Math.round(((1120 + 1000 - 1024 + 1024.5) / 4096) * 255));
    await setFrame(0);
    await settle(p);
    assert.equal((await pixelAt(p, 70, 100))[0], 70);
    assert.deepEqual(await host<number[]>(p, 'frameRequests'), [2], 'frame 0 came with init and stays cached');
    await p.screenshot({ path: path.join(shots, 'light-dicom16.png') });
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('a DICOM series stack: wheel and Page Up / Page Down step through its files; other files are view only', async () => {
    const p = await h.open({ scenario: 'series', theme: 'dark' });
    type AppState = { tool: string; view: { otherSlice: boolean; heatmap: unknown } };
    const state = () => p.evaluate(() => { const a = (window as never as { __anomalyLens: AppState }).__anomalyLens; return { tool: a.tool, other: a.view.otherSlice, heatmap: !!a.view.heatmap }; });
    // Default window C 1023.5 W 4096 over raw x·16 + 500·file − 1024 (the fake file k is brighter by 500).
    const grey = (k: number) => Math.round(((1120 + 500 * k - 1024 + 1024.5) / 4096) * 255);
    const label = (t: string) => p.waitForFunction((v) => document.getElementById('frame-label')?.textContent === v, t);
    assert.equal(await p.textContent('#frame-unit'), 'Slice');
    assert.equal(await p.textContent('#frame-label'), '2 / 4', 'the opened file is the 2nd of 4');
    assert.ok(Math.abs((await pixelAt(p, 70, 100))[0] - grey(1)) <= 1);
    assert.equal((await state()).heatmap, true);
    // Page Down: the next file's pixels come from the host; its name shows, this file's overlays do not.
    await p.keyboard.press('PageDown');
    await label('3 / 4');
    await p.waitForFunction(() => (window as never as { __anomalyLens: AppState }).__anomalyLens.view.otherSlice);
    assert.deepEqual(await host<number[]>(p, 'sliceRequests'), [2]);
    assert.ok(Math.abs((await pixelAt(p, 70, 100))[0] - grey(2)) <= 1, 'the 3rd file is shown');
    assert.equal(await p.textContent('#slice-file'), 'ct-002.dcm · view only');
    assert.equal((await state()).heatmap, false, 'the heatmap belongs to the opened file');
    // View only: no brush, no decision on another file.
    await p.keyboard.press('b');
    await p.keyboard.press('a');
    await settle(p);
    assert.equal((await state()).tool, 'pan', 'the brush is refused on another file');
    const disabled = (id: string) => p.evaluate((i) => document.getElementById(i)!.hasAttribute('disabled'), id);
    assert.equal(await disabled('accept'), true, 'Accept is off on another file');
    assert.equal(await disabled('tool-brush'), true);
    assert.ok(!(await host<{ method?: string }[]>(p, 'received')).some((m) => m.method === 'accept'), 'no accept sent');
    // The wheel over the image: one notch forward, clamped at the last file; then back to the start.
    await p.mouse.move(...(await toPage(p, 128, 100)));
    await p.mouse.wheel(0, 60);
    await label('4 / 4');
    await p.mouse.wheel(0, 60);
    await settle(p);
    assert.equal(await p.textContent('#frame-label'), '4 / 4', 'the stack ends at its last file');
    await p.keyboard.press('PageUp');
    await p.keyboard.press('PageUp');
    await p.keyboard.press('PageUp');
    await label('1 / 4');
    await p.waitForFunction(() => document.getElementById('slice-file')?.textContent === 'ct-000.dcm · view only');
    assert.ok(Math.abs((await pixelAt(p, 70, 100))[0] - grey(0)) <= 1);
    // Back on the opened file: cached, its heatmap and its tools return.
    await p.mouse.wheel(0, 60);
    await label('2 / 4');
    await p.waitForFunction(() => !(window as never as { __anomalyLens: AppState }).__anomalyLens.view.otherSlice);
    assert.equal(await p.textContent('#slice-file'), '');
    assert.equal((await state()).heatmap, true);
    assert.ok(!(await host<number[]>(p, 'sliceRequests')).includes(1), 'the opened file came with init');
    assert.equal(await disabled('accept'), false);
    await p.keyboard.press('b');
    assert.equal((await state()).tool, 'brush');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('the toolbar stays on one row at 1440, 1280 and 1090 px, also with the brush size shown; the queue position follows a decision', async () => {
    const toolbarRows = (p: Page) => p.evaluate(() => {
      const bar = document.querySelector('.toolbar')!;
      const shown = [...bar.children].filter((c) => (c as HTMLElement).offsetParent !== null && !(c as HTMLElement).hidden);
      const boxes = shown.map((c) => c.getBoundingClientRect());
      return { count: shown.length, lowestTop: Math.max(...boxes.map((r) => r.top)), highestBottom: Math.min(...boxes.map((r) => r.bottom)) };
    });
    for (const width of [1440, 1280, 1090]) {
      for (const scenario of ['gray8', 'gray16']) {
        const p = await h.open({ scenario, theme: 'light' }, { width, height: 900 });
        await p.evaluate(() => document.fonts.ready.then(() => undefined));
        await settle(p);
        const rows = await toolbarRows(p);
        assert.ok(rows.count > 3, `${scenario} at ${width} px: toolbar groups found`);
        // One row: every group overlaps every other vertically (a wrapped group starts below the others end).
        assert.ok(rows.lowestTop < rows.highestBottom, `${scenario} at ${width} px: the toolbar wraps (${JSON.stringify(rows)})`);
        // The brush adds its size control: the widest toolbar, which must still fit.
        await p.click('#tool-brush');
        await p.waitForFunction(() => !document.getElementById('size-group')!.hidden);
        await settle(p);
        const brushRows = await toolbarRows(p);
        assert.equal(brushRows.count, rows.count + 1, `${scenario} at ${width} px: the brush size is shown`);
        assert.ok(brushRows.lowestTop < brushRows.highestBottom, `${scenario} at ${width} px with the brush: the toolbar wraps (${JSON.stringify(brushRows)})`);
        if (width === 1280 && scenario === 'gray8') {
          assert.equal(await p.textContent('#queue'), '3 of 17');
          await p.keyboard.press('a');
          await p.waitForFunction(() => document.getElementById('queue')?.textContent === 'reviewed · 16 left');
        }
        await p.context().close();
      }
    }
  });

  test('the echo of an earlier save arriving mid-stroke or before the next save keeps the newer edits', async () => {
    const p = await h.open({ scenario: 'gray8', heatmap: 'off' });
    await p.keyboard.press('b');
    let n = await savedCount(p);
    await p.mouse.move(...(await toPage(p, 50, 200)));
    await p.mouse.down();
    await p.mouse.move(...(await toPage(p, 80, 200)), { steps: 3 });
    await p.mouse.up();
    await nextSave(p, n);
    const echo = await p.evaluate(() => (window as never as { __host: { review(): unknown } }).__host.review());
    // A second stroke; the first save's echo (regions without it) comes in the middle.
    n = await savedCount(p);
    await p.keyboard.press('Escape');
    await p.mouse.move(...(await toPage(p, 50, 260)));
    await p.mouse.down();
    await p.mouse.move(...(await toPage(p, 65, 260)), { steps: 3 });
    await p.evaluate((r) => (window as never as { __host: { notify(m: string, x: unknown): void } }).__host.notify('annotationChanged', { review: r, external: false }), echo);
    await settle(p);
    await p.mouse.move(...(await toPage(p, 90, 260)), { steps: 3 });
    await p.mouse.up();
    // And again between the end of the stroke and its (debounced) save.
    await p.evaluate((r) => (window as never as { __host: { notify(m: string, x: unknown): void } }).__host.notify('annotationChanged', { review: r, external: false }), echo);
    const saved = await nextSave(p, n);
    assert.equal(saved.length, 2, 'both strokes saved');
    const second = decodeRle((saved[1] as Extract<Region, { kind: 'mask' }>).rle);
    assert.equal(second[260 * 400 + 55], 1, 'the start of the second stroke is kept');
    assert.equal(second[260 * 400 + 88], 1, 'the part drawn after the echo is there');
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('a file that failed to decode shows its code and reason, not a blank canvas', async () => {
    const p = await h.open({ scenario: 'error', theme: 'light' });
    assert.equal(await p.textContent('#error-code'), 'DECODE_FAILED');
    assert.match((await p.textContent('#error-message')) ?? '', /strip 3 is truncated/);
    assert.match((await p.textContent('#error-hint')) ?? '', /Re-export/);
    assert.equal(await p.$('canvas.view'), null);
    await p.screenshot({ path: path.join(shots, 'light-decode-error.png') });
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });

  test('screenshots in light and dark themes (artifacts/webview)', async () => {
    for (const theme of ['light', 'dark']) {
      const p = await h.open({ scenario: 'gray8', theme });
      await drawSampleRegions(p);
      await p.screenshot({ path: path.join(shots, `${theme}-review.png`) });
      await p.keyboard.press('c');
      await settle(p);
      await p.screenshot({ path: path.join(shots, `${theme}-contour.png`) });
      await p.keyboard.press('?');
      await p.screenshot({ path: path.join(shots, `${theme}-help.png`) });
      await noProtocolOrPageErrors(p);
      await p.context().close();
    }
    const rgb = await h.open({ scenario: 'rgb', theme: 'dark' });
    assert.deepEqual((await pixelAt(rgb, 100, 100)).slice(0, 3), [0, 255, 255], 'RGB bars are drawn as stored');
    await rgb.screenshot({ path: path.join(shots, 'dark-rgb.png') });
    await rgb.context().close();
  });

  test('predicted vs reviewed: the brush makes the reviewer\'s regions, the eraser cuts only the selected one, a second class, history survives reopening', async () => {
    const p = await h.open({ scenario: 'gray8', heatmap: 'off' });
    const app = () => p.evaluate(() => { const a = (window as never as { __anomalyLens: { selected: string | null; view: { prediction: Float32Array | null } } }).__anomalyLens; return { selected: a.selected, outline: !!a.view.prediction }; });
    assert.equal((await app()).outline, true, 'the model\'s region is shown as an outline');
    assert.equal(await p.textContent('#region-count'), '0', 'no reviewed regions before a decision');
    const stroke = async (x0: number, y0: number, x1: number, y1: number) => {
      await p.mouse.move(...(await toPage(p, x0, y0)));
      await p.mouse.down();
      await p.mouse.move(...(await toPage(p, x1, y1)), { steps: 5 });
      await p.mouse.up();
    };
    await p.keyboard.press('b');
    let n = await savedCount(p);
    await stroke(50, 50, 70, 50);
    let saved = await nextSave(p, n);
    assert.deepEqual(saved.map((r) => r.defectClass), ['scratch']);
    await p.keyboard.press('Escape');
    await p.keyboard.press('2');
    n = await savedCount(p);
    await stroke(200, 100, 230, 100);
    saved = await nextSave(p, n);
    assert.deepEqual(saved.map((r) => r.defectClass), ['scratch', 'dent'], 'a second region in the second class');
    assert.ok(!saved.some((r) => r.id === 'model-1'), 'the prediction is not part of the answer');
    const dentBefore = saved[1];
    // Select the first region with the hand tool and erase part of it.
    await p.keyboard.press('v');
    await p.mouse.click(...(await toPage(p, 50.5, 50.5)));
    assert.equal((await app()).selected, saved[0].id);
    await p.keyboard.press('e');
    n = await savedCount(p);
    await stroke(60, 40, 60, 60);
    saved = await nextSave(p, n);
    assert.deepEqual(saved[1], dentBefore, 'the eraser left the other region alone');
    const first = saved[0];
    assert.ok(first.kind === 'mask');
    const m = decodeRle(first.rle);
    assert.equal(m[50 * 400 + 60], 0, 'erased on the selected region');
    assert.equal(m[50 * 400 + 50], 1);
    // Reopen: undo history comes back from the host.
    await p.waitForFunction(() => (window as never as { __host: { stashes: number } }).__host.stashes >= 3);
    await p.evaluate(() => (window as never as { __host: { reopen(): void } }).__host.reopen());
    await p.waitForFunction(() => !document.getElementById('undo')?.hasAttribute('disabled'));
    n = await savedCount(p);
    await p.keyboard.press('Control+z');
    saved = await nextSave(p, n);
    assert.equal(decodeRle((saved[0] as Extract<Region, { kind: 'mask' }>).rle)[50 * 400 + 60], 1, 'undo after reopening restores the erased pixels');
    // Delete the selected region with the Delete key; the class list offers number keys.
    assert.match(await p.textContent('#class-list') ?? '', /scratch1dent2contamination3/);
    await noProtocolOrPageErrors(p);
    await p.context().close();
  });
});
