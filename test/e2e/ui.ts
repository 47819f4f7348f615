/**
 * Driving the VS Code workbench in the browser as a user would: the command palette, the
 * Explorer, the Findings tree, notifications, the review editor's webview frame, screenshots.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { readExtensionLog, repoRoot, type CodeServer, type Theme } from './codeServer';

export const shotsDir = path.join(repoRoot, 'artifacts/e2e');

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** Runs a command through the palette (F1), clicking the entry whose label is exactly `title`. */
export async function runCommand(p: Page, title: string, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await p.keyboard.press('Escape');
      await p.keyboard.press('F1');
      // A key pressed while the window is still (re)loading is lost: retry rather than wait it out.
      const input = p.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = p.locator('.quick-input-list .monaco-list-row').filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) }).first();
      // Right after start-up the palette may not list every command yet.
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click();
      return;
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}

/** Picks the entry labelled exactly `label` in the open quick pick (after a command asked). */
export async function pickQuick(p: Page, label: string): Promise<void> {
  const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

/** Open editor tabs (all groups). */
export async function tabCount(p: Page): Promise<number> {
  return p.locator('.tabs-container .tab').count();
}

/** The extension's log so far (the "Anomaly Lens" output channel as written to disk). */
export function log(cs: CodeServer): string {
  return readExtensionLog(cs.userDataDir);
}

/** Waits for a log line matching `re` that was not there before (`since` = log length then). */
export async function waitForLog(cs: CodeServer, re: RegExp, since: number, timeoutMs = 120_000): Promise<RegExpExecArray> {
  return until(`log line ${re}`, () => re.exec(log(cs).slice(since)) ?? undefined, timeoutMs, 300);
}

// ---------------------------------------------------------------- Explorer

export function explorerRow(p: Page, name: string): Locator {
  return p.locator('.explorer-folders-view .monaco-list-row').filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(name)}$`) }) }).first();
}

/** Expands Explorer folders along a workspace-relative path. */
export async function revealFolder(p: Page, rel: string): Promise<void> {
  for (const part of rel.split('/')) {
    const row = explorerRow(p, part);
    await row.waitFor({ state: 'visible' });
    // A click right after a view switch is sometimes swallowed: click again while still collapsed,
    // leaving time for a slow expansion so a second click never collapses it.
    await until(`${part} expanded`, async () => {
      if ((await row.getAttribute('aria-expanded')) === 'true') return true;
      await row.click();
      await p.waitForTimeout(1500);
      return (await row.getAttribute('aria-expanded')) === 'true';
    });
  }
}

/** Clicks a context-menu entry (menus are in a shadow root; Playwright's CSS pierces it). */
export async function contextMenuItem(p: Page, label: string): Promise<void> {
  const item = p.locator('.monaco-menu .action-item .action-label', { hasText: label }).first();
  await item.waitFor({ state: 'visible' });
  // A click right after the menu opens is sometimes swallowed; hover (focuses the entry) + Enter is not.
  await p.waitForTimeout(300);
  await item.hover();
  await p.keyboard.press('Enter');
}

// ---------------------------------------------------------------- Findings tree

export interface TreeRow {
  name: string;
  description: string;
  group: boolean;
  level: number;
}

export function findingsPane(p: Page): Locator {
  return p.locator('[id="workbench.view.extension.anomalyLens"]');
}

export async function showFindings(p: Page): Promise<void> {
  await runCommand(p, 'Anomaly Lens: Focus on Findings View');
  await findingsPane(p).waitFor({ state: 'visible' });
}

export async function findingsRows(p: Page): Promise<TreeRow[]> {
  const rows = findingsPane(p).locator('.monaco-list-row');
  const out: TreeRow[] = [];
  for (const r of await rows.all()) {
    const name = (await r.locator('.label-name').first().innerText().catch(() => '')).trim();
    const description = (await r.locator('.label-description').first().innerText().catch(() => '')).trim();
    const level = Number(await r.getAttribute('aria-level'));
    out.push({ name, description, group: level === 1, level });
  }
  return out;
}

export function findingRow(p: Page, name: string): Locator {
  return findingsPane(p).locator('.monaco-list-row').filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(name)}$`) }) }).first();
}

// ---------------------------------------------------------------- review editor webview

/** The frame of the review webview showing `fileName` (the inner iframe that runs our script). */
export async function reviewFrame(p: Page, fileName: string, timeoutMs = 60_000): Promise<Frame> {
  return until(`review editor for ${fileName}`, async () => {
    for (const f of p.frames()) {
      const ok = await f.evaluate((name) => {
        const app = (window as unknown as { __anomalyLens?: { info: { path?: string } | null } }).__anomalyLens;
        return !!app && document.title === name;
      }, fileName).catch(() => false);
      if (ok) return f;
    }
    return undefined;
  }, timeoutMs, 300);
}

/** The file names shown by review webviews that are loaded now (one per open review editor). */
export async function reviewTitles(p: Page): Promise<string[]> {
  const out: string[] = [];
  for (const f of p.frames()) {
    const t = await f.evaluate(() => ((window as unknown as { __anomalyLens?: { info: unknown } }).__anomalyLens ? document.title : undefined)).catch(() => undefined);
    if (t) out.push(t);
  }
  return out;
}

/** Image point → page coordinates through the webview's own transform (frames are offset by their iframes). */
export async function imageToPage(p: Page, f: Frame, ix: number, iy: number): Promise<[number, number]> {
  const [cx, cy] = await f.evaluate(([x, y]) => {
    const app = (window as unknown as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toScreen(a: number, b: number): [number, number] } } }).__anomalyLens;
    const r = app.view.canvas.getBoundingClientRect();
    const [sx, sy] = app.view.toScreen(x, y);
    return [r.left + sx, r.top + sy];
  }, [ix, iy] as [number, number]);
  const [ox, oy] = await frameOffset(f);
  void p;
  return [ox + cx, oy + cy];
}

/**
 * Waits until the image stops moving on the page: a tool change can re-wrap the toolbar, which
 * resizes the stage and fits the image again a frame later.
 */
export async function viewSettled(p: Page, f: Frame): Promise<void> {
  let last = '';
  await until('the view to settle', async () => {
    await f.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const now = JSON.stringify([await imageToPage(p, f, 0, 0), await imageToPage(p, f, 100, 100)]);
    const same = now === last;
    last = now;
    return same || undefined;
  }, 10_000, 100);
}

async function frameOffset(f: Frame): Promise<[number, number]> {
  let x = 0;
  let y = 0;
  let cur: Frame | null = f;
  while (cur?.parentFrame()) {
    const box = await (await cur.frameElement()).boundingBox();
    if (box) {
      x += box.x;
      y += box.y;
    }
    cur = cur.parentFrame();
    // boundingBox is already relative to the main frame's viewport.
    break;
  }
  return [x, y];
}

// ---------------------------------------------------------------- screenshots

/** Saves `<name>-light.png` and `<name>-dark.png` in artifacts/e2e (the theme switches like a user would). */
export async function shoot(cs: CodeServer, name: string): Promise<string[]> {
  mkdirSync(shotsDir, { recursive: true });
  const files: string[] = [];
  for (const theme of ['light', 'dark'] as Theme[]) {
    await setTheme(cs, theme);
    const file = path.join(shotsDir, `${name}-${theme}.png`);
    await cs.page.screenshot({ path: file });
    files.push(file);
  }
  await setTheme(cs, 'light');
  return files;
}

export async function setTheme(cs: CodeServer, theme: Theme): Promise<void> {
  const cls = theme === 'dark' ? 'vs-dark' : 'vs';
  const has = async () => (await cs.page.locator('.monaco-workbench').getAttribute('class'))?.split(/\s+/).includes(cls);
  if (await has()) return;
  // Through the UI: code-server does not pick up edits of its settings file reliably.
  await runCommand(cs.page, 'Preferences: Toggle between Light/Dark Themes');
  await until(`theme ${theme}`, has, 15_000);
  // Webviews get the new theme variables a moment later.
  await cs.page.waitForTimeout(800);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
