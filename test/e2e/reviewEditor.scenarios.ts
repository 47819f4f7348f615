/**
 * Review-editor scenarios of the end-to-end suite, run inside review.e2e.test.ts after scenario 4
 * (they need its trained model and scanned images, and share its code-server):
 * correcting a prediction and exporting it, J navigation in one tab, CT window presets, wheel over
 * frames, and a DICOM series stepped as one stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Frame, Page } from 'playwright-core';
import { canvasPixel, readAnnotation, readAnnotationOrUndefined, rleAt, windowed, type AnnotationJson } from './checks';
import type { CodeServer } from './codeServer';
import {
  contextMenuItem, explorerRow, imageToPage, log, pickQuick, reviewFrame, reviewTitles, revealFolder, runCommand, shoot, tabCount, until, viewSettled, waitForLog,
} from './ui';
import { CLASSES, CT_MULTIFRAME, CT_SERIES, DEFECTS, GOOD, TRAIN, ctFrameHu, type Workspace } from './workspace';

export interface E2eContext {
  cs: CodeServer;
  p: Page;
  ws: Workspace;
}

type AppWindow = {
  __anomalyLens: {
    info: { frameCount: number } | null;
    selected: string | null;
    tool: string;
    edits: { toRegions(): { id: string; defectClass: string }[] };
    view: { overlay: { visible: boolean }; otherSlice: boolean };
  };
};

async function openFromExplorer(p: Page, rel: string): Promise<Frame> {
  await runCommand(p, 'View: Close All Editors');
  await runCommand(p, 'View: Show Explorer');
  await revealFolder(p, path.posix.dirname(rel));
  await explorerRow(p, path.posix.basename(rel)).click({ button: 'right' });
  await contextMenuItem(p, 'Open in Anomaly Lens');
  const f = await reviewFrame(p, path.posix.basename(rel));
  await until('the image', () => f.evaluate(() => !!(window as never as AppWindow).__anomalyLens.info));
  return f;
}

/** Drag through image points with the active tool. */
async function stroke(p: Page, f: Frame, pts: [number, number][]): Promise<void> {
  const [x0, y0] = await imageToPage(p, f, ...pts[0]);
  await p.mouse.move(x0, y0);
  await p.mouse.down();
  for (const pt of pts.slice(1)) {
    const [x, y] = await imageToPage(p, f, ...pt);
    await p.mouse.move(x, y, { steps: 10 });
  }
  await p.mouse.up();
}

/** One wheel notch over the image (the pointer moves there first: the wheel goes where it last moved). */
async function wheelOver(p: Page, f: Frame, dy: number): Promise<void> {
  const [cx, cy] = await imageToPage(p, f, 60, 40);
  await p.mouse.move(cx + 2, cy + 2);
  await p.mouse.move(cx, cy);
  await p.mouse.wheel(0, dy);
}

async function hideHeatmap(p: Page, f: Frame): Promise<void> {
  const [cx, cy] = await imageToPage(p, f, 10, 10);
  await p.mouse.click(cx, cy);
  if (await f.evaluate(() => (window as never as AppWindow).__anomalyLens.view.overlay.visible)) await p.keyboard.press('h');
  await until('heatmap hidden', () => f.evaluate(() => !(window as never as AppWindow).__anomalyLens.view.overlay.visible));
}

const text = (f: Frame, sel: string) => f.locator(sel).innerText();
const waitText = (f: Frame, sel: string, want: string) => until(`${sel} = ${want}`, async () => (await text(f, sel)) === want || undefined, 20_000);

/** Is the toolbar one row (every group overlaps every other vertically)? */
async function toolbarOneRow(f: Frame): Promise<{ ok: boolean; width: number; detail: string }> {
  return f.evaluate(() => {
    const bar = document.querySelector('.toolbar')!;
    const width = bar.getBoundingClientRect().width;
    const boxes = [...bar.children].filter((c) => (c as HTMLElement).offsetParent !== null).map((c) => c.getBoundingClientRect());
    const lowestTop = Math.max(...boxes.map((r) => r.top));
    const highestBottom = Math.min(...boxes.map((r) => r.bottom));
    return { ok: boxes.length > 3 && lowestTop < highestBottom, width, detail: `${boxes.length} groups, width ${width}, lowest top ${lowestTop}, highest bottom ${highestBottom}` };
  });
}

function pngAt(file: string, x: number, y: number): number {
  const png = PNG.sync.read(readFileSync(file));
  return png.data[(y * png.width + x) * 4];
}

export function reviewEditorScenarios(ctx: () => E2eContext): void {
  test('8 correct a prediction: brush in two classes, eraser on the selected region → the JSON and every export hold exactly those regions', async () => {
    const { cs, p, ws } = ctx();
    const rel = [...Object.keys(DEFECTS), ...GOOD, ...TRAIN].find((r) => {
      const a = readAnnotationOrUndefined(ws.root, r);
      return a?.status === 'predicted' && (a.prediction?.regions.length ?? 0) > 0;
    });
    assert.ok(rel, 'an unreviewed image with a predicted region');
    const before = readAnnotation(ws.root, rel);
    const f = await openFromExplorer(p, rel);
    await hideHeatmap(p, f);
    const [first, second] = CLASSES;
    await f.locator('#tool-brush').click();
    await viewSettled(p, f);
    await p.keyboard.press('1');
    await stroke(p, f, [[20, 20], [60, 20]]);
    await p.keyboard.press('Escape');
    await p.keyboard.press('2');
    await stroke(p, f, [[20, 130], [60, 130]]);
    const regions = () => f.evaluate(() => (window as never as AppWindow).__anomalyLens.edits.toRegions().map((r) => ({ id: r.id, defectClass: r.defectClass })));
    const drawn = await until('two regions drawn', async () => ((await regions()).length === 2 ? regions() : undefined));
    assert.deepEqual(drawn.map((r) => r.defectClass), [first, second]);
    // Select the first region with the hand tool, then erase across it.
    await f.locator('#tool-pan').click();
    await viewSettled(p, f);
    const [sx, sy] = await imageToPage(p, f, 25, 20);
    await p.mouse.click(sx, sy);
    await until('the first region selected', () => f.evaluate(() => (window as never as AppWindow).__anomalyLens.selected).then((s) => s === drawn[0].id || undefined));
    await f.locator('#tool-eraser').click();
    await viewSettled(p, f);
    await stroke(p, f, [[40, 6], [40, 34]]);
    const byClass = (a: AnnotationJson, c: string) => a.regions.find((r) => r.defectClass === c)?.rle;
    const onDisk = () => {
      const x = readAnnotationOrUndefined(ws.root, rel);
      const m = x && byClass(x, first);
      return { status: x?.status, classes: x?.regions.map((r) => r.defectClass), erased: m ? !rleAt(m, 40, 20) : undefined };
    };
    const a = await until('the corrected annotation saved', async () => {
      if ((await text(f, '#save-state')) !== 'Saved') return undefined;
      const x = readAnnotationOrUndefined(ws.root, rel);
      const m = x && byClass(x, first);
      return x?.status === 'corrected' && x.regions.length === 2 && m && !rleAt(m, 40, 20) ? x : undefined;
    }, 60_000).catch(async (err: unknown) => {
      await shoot(cs, '08-not-saved');
      throw new Error(`${String(err)}; ${rel} on disk: ${JSON.stringify(onDisk())}; editor: ${await text(f, '#save-state')}, ${JSON.stringify(await regions())}`);
    });
    assert.equal(a.label, 'anomalous');
    assert.deepEqual(a.regions.map((r) => r.defectClass).sort(), [...CLASSES].sort(), 'one region per class');
    const m1 = byClass(a, first)!;
    const m2 = byClass(a, second)!;
    assert.ok(rleAt(m1, 25, 20) && rleAt(m1, 55, 20) && !rleAt(m1, 40, 20), 'the eraser cut the selected region in two');
    assert.ok(rleAt(m2, 40, 130) && !rleAt(m2, 25, 20), 'the second class holds the second stroke only');
    assert.ok(!rleAt(m1, 40, 130), 'the eraser and the second stroke left the first region elsewhere alone');
    const predictedIds = new Set((before.prediction?.regions ?? []).map((r) => r.id));
    assert.ok(!a.regions.some((r) => predictedIds.has(r.id)), 'no predicted region in the answer');
    assert.deepEqual(a.prediction?.regions, before.prediction?.regions, 'the prediction is kept as provenance');
    await shoot(cs, '08-corrected-two-classes');
    await runCommand(p, 'View: Close All Editors');

    const formats = [['COCO JSON', 'coco'], ['LabelMe JSON', 'labelme'], ['PNG masks (MVTec AD layout)', 'mvtec'], ['CSV of image decisions', 'csv']] as const;
    for (const [label, fmt] of formats) {
      const since = log(cs).length;
      await runCommand(p, 'Anomaly Lens: Export Annotations…');
      await pickQuick(p, label);
      await pickQuick(p, 'Reviewed images only');
      await waitForLog(cs, new RegExp(`exported \\d+ image\\(s\\) as ${fmt}`), since, 60_000);
    }
    // The "Exported …" toasts would hide later progress notifications (VS Code shows three at most).
    await runCommand(p, 'Notifications: Clear All Notifications').catch(() => undefined);
    const out = (fmt: string, ...parts: string[]) => path.join(ws.root, '.anomaly-lens/export', fmt, ...parts);
    // COCO: every exported image has exactly its reviewed regions and classes.
    const coco = JSON.parse(readFileSync(out('coco', 'annotations.coco.json'), 'utf8')) as {
      images: { id: number; file_name: string }[]; annotations: { image_id: number; category_id: number }[]; categories: { id: number; name: string }[];
    };
    const catName = new Map(coco.categories.map((c) => [c.id, c.name]));
    const cocoClasses = (img: { id: number }) => coco.annotations.filter((x) => x.image_id === img.id).map((x) => catName.get(x.category_id)).sort();
    const corrected = coco.images.find((i) => i.file_name === rel);
    assert.ok(corrected, `${rel} in the COCO export`);
    assert.deepEqual(cocoClasses(corrected), [...CLASSES].sort());
    for (const img of coco.images) {
      assert.deepEqual(cocoClasses(img), readAnnotation(ws.root, img.file_name).regions.map((r) => r.defectClass).sort(), `COCO ${img.file_name}`);
    }
    // LabelMe: one file per image, labels are the classes.
    const lm = JSON.parse(readFileSync(out('labelme', `${rel.replace(/\.[^./]+$/, '')}.json`), 'utf8')) as { shapes: { label: string }[] };
    assert.deepEqual(lm.shapes.map((s) => s.label).sort(), [...CLASSES].sort());
    // PNG masks: one per class with exactly that class's pixels; good/ for the image reviewed as normal.
    const index = readFileSync(out('mvtec', 'ground_truth', 'index.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const masks = new Map(index.filter(([image]) => image === rel).map(([, mask, cls]) => [cls, out('mvtec', mask)]));
    assert.deepEqual([...masks.keys()].sort(), [...CLASSES].sort(), `a mask per class: ${JSON.stringify(index)}`);
    assert.equal(pngAt(masks.get(first)!, 25, 20), 255);
    assert.equal(pngAt(masks.get(first)!, 40, 20), 0, 'erased pixels are not in the mask');
    assert.equal(pngAt(masks.get(first)!, 40, 130), 0);
    assert.equal(pngAt(masks.get(second)!, 40, 130), 255);
    assert.equal(pngAt(masks.get(second)!, 25, 20), 0);
    const good = index.filter(([, , cls]) => cls === 'good');
    assert.ok(good.length >= 1 && good.every(([image]) => readAnnotation(ws.root, image).label === 'normal'), `good/ holds the images reviewed as normal: ${JSON.stringify(good)}`);
    // Decisions CSV.
    const rows = readFileSync(out('csv', 'decisions.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const row = rows.find((r) => r[0] === rel);
    assert.ok(row, `${rel} in decisions.csv`);
    assert.deepEqual([row[1], row[2], row[3].split(';').sort().join(';'), row[4]], ['anomalous', 'corrected', [...CLASSES].sort().join(';'), '2']);
  });

  test('9 J walks 5 images in one tab; the toolbar is one row at 1440 px with and without the side bar; the position follows Accept', async () => {
    const { cs, p, ws } = ctx();
    await runCommand(p, 'View: Close All Editors');
    await runCommand(p, 'Anomaly Lens: Review Next');
    const seen = [(await until('a review editor', async () => { const t = await reviewTitles(p); return t.length === 1 ? t : undefined; }, 60_000))[0]];
    for (let i = 1; i < 5; i++) {
      const f = await reviewFrame(p, seen[i - 1]);
      await until('the image', () => f.evaluate(() => !!(window as never as AppWindow).__anomalyLens.info));
      const [cx, cy] = await imageToPage(p, f, 2, 2);
      await p.mouse.click(cx, cy);
      await p.keyboard.press('j');
      seen.push(await until(`image ${i + 1} after J`, async () => {
        const t = await reviewTitles(p);
        return t.length === 1 && !seen.includes(t[0]) ? t[0] : undefined;
      }, 60_000));
    }
    assert.equal(new Set(seen).size, 5, `five different images: ${seen}`);
    assert.equal(await tabCount(p), 1, 'one review tab');
    const f = await reviewFrame(p, seen[4]);
    // A 1440 px window: about 1090 px of editor with the side bar open, about 1390 px without.
    for (const [sideBar, minWidth, maxWidth] of [['open', 1000, 1200], ['closed', 1280, 1440]] as const) {
      if (sideBar === 'closed') await runCommand(p, 'View: Close Primary Side Bar');
      const row = await until(`toolbar laid out, side bar ${sideBar}`, async () => {
        const r = await toolbarOneRow(f);
        return r.ok && r.width >= minWidth && r.width <= maxWidth ? r : undefined;
      }, 10_000).catch(async () => toolbarOneRow(f));
      assert.ok(row.ok && row.width >= minWidth && row.width <= maxWidth, `side bar ${sideBar}: the toolbar is one row (${row.detail})`);
      await shoot(cs, `09-fifth-image-side-bar-${sideBar}`);
    }
    await runCommand(p, 'View: Show Explorer');
    const q = await until('the queue position', async () => { const t = await text(f, '#queue'); return /^\d+ of \d+$/.test(t) ? t : undefined; });
    const total = Number(q.split(' of ')[1]);
    await f.locator('#accept').click();
    await waitText(f, '#queue', `reviewed · ${total - 1} left`);
    const rel = [...Object.keys(DEFECTS), ...GOOD, ...TRAIN].find((r) => path.posix.basename(r) === seen[4]);
    if (rel) assert.equal(readAnnotation(ws.root, rel).status, 'accepted');
    await runCommand(p, 'View: Close All Editors');
  });

  test('10 CT presets on a DICOM: the W/L tool\'s number keys set the window; the C/W readout and pixels follow', async () => {
    const { cs, p } = ctx();
    const f = await openFromExplorer(p, CT_MULTIFRAME);
    await hideHeatmap(p, f);
    await waitText(f, '#wl-readout', 'C 40 W 400');
    await f.locator('#tool-windowLevel').click();
    const tissue = async () => (await canvasPixel(f, 64, 48))[0];
    for (const [key, c, w] of [['4', 400, 1800], ['5', -600, 1500]] as const) {
      await p.keyboard.press(key);
      await waitText(f, '#wl-readout', `C ${c} W ${w}`);
      const want = windowed(ctFrameHu(0, 64, 48), c, w);
      const g = await until(`grey for C ${c} W ${w}`, async () => { const v = await tissue(); return Math.abs(v - want) <= 3 ? v : undefined; }, 10_000)
        .catch(async () => tissue());
      assert.ok(Math.abs(g - want) <= 3, `C ${c} W ${w}: tissue grey ${g}, expected ≈${want.toFixed(0)}`);
    }
    await shoot(cs, '10-ct-lung-preset');
  });

  test('11 the wheel scrolls the frames of a multi-frame image', async () => {
    const { p } = ctx();
    // Continues in scenario 10's editor (Lung window: C -600 W 1500).
    const f = await reviewFrame(p, path.posix.basename(CT_MULTIFRAME));
    for (const [dy, label, frame] of [[60, '2 / 3', 1], [60, '3 / 3', 2], [-60, '2 / 3', 1]] as const) {
      await wheelOver(p, f, dy);
      await waitText(f, '#frame-label', label);
      const want = windowed(ctFrameHu(frame, 64, 48), -600, 1500);
      const g = await until(`frame ${frame + 1} pixels`, async () => { const v = (await canvasPixel(f, 64, 48))[0]; return Math.abs(v - want) <= 3 ? v : undefined; }, 10_000);
      assert.ok(Math.abs(g - want) <= 3);
    }
    assert.equal(await text(f, '#frame-unit'), 'Frame');
    await runCommand(p, 'View: Close All Editors');
  });

  test('12 a DICOM series steps as one stack in Instance Number order; other files are view only', async () => {
    const { cs, p } = ctx();
    const stack = Object.entries(CT_SERIES).sort((a, b) => a[1] - b[1]).map(([rel]) => path.posix.basename(rel));
    const f = await openFromExplorer(p, Object.keys(CT_SERIES).find((r) => CT_SERIES[r] === 2)!);
    await hideHeatmap(p, f);
    await waitText(f, '#frame-unit', 'Slice');
    await waitText(f, '#frame-label', `2 / ${stack.length}`);
    await f.locator('#tool-windowLevel').click();
    await p.keyboard.press('4'); // Bone: C 400 W 1800 keeps every slice's tissue inside the window
    await waitText(f, '#wl-readout', 'C 400 W 1800');
    const grey = (k: number) => windowed(ctFrameHu(k, 64, 48), 400, 1800);
    const expectSlice = async (k: number) => {
      await waitText(f, '#frame-label', `${k + 1} / ${stack.length}`);
      await waitText(f, '#slice-file', k === 1 ? '' : `${stack[k]} · view only`);
      const g = await until(`slice ${k + 1} pixels`, async () => { const v = (await canvasPixel(f, 64, 48))[0]; return Math.abs(v - grey(k)) <= 3 ? v : undefined; }, 10_000);
      assert.ok(Math.abs(g - grey(k)) <= 3);
    };
    await expectSlice(1);
    await wheelOver(p, f, 60);
    await expectSlice(2);
    assert.equal(await f.evaluate(() => (window as never as AppWindow).__anomalyLens.view.otherSlice), true);
    await shoot(cs, '12-series-slice3');
    await p.keyboard.press('PageDown');
    await expectSlice(3);
    for (let i = 0; i < 3; i++) await p.keyboard.press('PageUp');
    await expectSlice(0);
    await wheelOver(p, f, 60);
    await expectSlice(1);
    assert.equal(await f.evaluate(() => (window as never as AppWindow).__anomalyLens.view.otherSlice), false, 'back on the opened file');
    await runCommand(p, 'View: Close All Editors');
  });
}


