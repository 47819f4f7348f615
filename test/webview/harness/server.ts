/**
 * Test setup for the webview: bundles webview/main.ts and the fake host with esbuild, serves
 * them with the harness page from a localhost server, and launches Debian's headless Chromium.
 */
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Harness {
  browser: Browser;
  /** Open the harness page; query: scenario, theme (light|dark), opacity, mode, classes, readonly. */
  open(query?: Record<string, string>, size?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`;

export async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'anomaly-lens-webview-'));
  await build({
    entryPoints: {
      main: path.join(repoRoot, 'webview/main.ts'),
      fakeHost: path.join(here, 'fakeHost.ts'),
    },
    bundle: true,
    format: 'iife',
    target: 'chrome114',
    outdir: dir,
    sourcemap: 'inline',
    logLevel: 'error',
  });
  await copyFile(path.join(repoRoot, 'webview/main.css'), path.join(dir, 'main.css'));
  for (const f of ['light.css', 'dark.css']) await copyFile(path.join(here, f), path.join(dir, f));
  // The toolbar's icon buttons need the codicon font, as the extension's webview links it.
  for (const f of ['codicon.css', 'codicon.ttf']) await copyFile(path.join(repoRoot, 'node_modules/@vscode/codicons/dist', f), path.join(dir, f));
  const page = await readFile(path.join(here, 'index.html'), 'utf8');
  await writeFile(path.join(dir, 'index.html'), page);

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = path.basename(url.pathname) || 'index.html';
    const theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
    const file = path.join(dir, name);
    readFile(file).then(
      (body) => {
        const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : name.endsWith('.ttf') ? 'font/ttf' : 'text/html';
        const out = name === 'index.html'
          ? body.toString('utf8').replace('THEME.css', `${theme}.css`).replace('<body>', `<body class="vscode-${theme}">`)
          : body;
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
        res.end(out);
      },
      () => { res.writeHead(404); res.end(); },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });

  return {
    browser,
    async open(query = {}, size = { width: 1200, height: 760 }) {
      const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
      const p = await context.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(e.message));
      p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      (p as Page & { errors: string[] }).errors = errors;
      await p.goto(`http://127.0.0.1:${port}/index.html?${new URLSearchParams(query)}`);
      await p.waitForFunction(() => !document.getElementById('loading'));
      return p;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Console and page errors collected for a page. */
export function pageErrors(p: Page): string[] {
  return (p as Page & { errors: string[] }).errors;
}

/** Wait for two animation frames so the canvas has drawn the latest state. */
export async function settle(p: Page): Promise<void> {
  await p.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
