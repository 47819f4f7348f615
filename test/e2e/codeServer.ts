/**
 * Starts code-server (installed by scripts/e2e/install-code-server.sh) with the built VSIX
 * installed the way users install it, on 127.0.0.1 and a free port, and opens it in Debian's
 * Chromium through playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '../..');
export const codeServerDir = process.env.ANOMALY_LENS_CODE_SERVER_DIR ?? path.join(repoRoot, '.e2e/code-server');
export const codeServerEntry = path.join(codeServerDir, 'node_modules/code-server/out/node/entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The VSIX the suite installs: ANOMALY_LENS_VSIX, else the newest dist/*.vsix. */
export function builtVsix(): string | undefined {
  if (process.env.ANOMALY_LENS_VSIX) return path.resolve(process.env.ANOMALY_LENS_VSIX);
  const dist = path.join(repoRoot, 'dist');
  if (!existsSync(dist)) return undefined;
  return readdirSync(dist)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => path.join(dist, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Why the suite cannot run here, or undefined when it can. */
export function e2eMissing(): string | undefined {
  if (!existsSync(codeServerEntry)) return `code-server is not installed (run: bash scripts/e2e/install-code-server.sh)`;
  if (!existsSync(chromiumPath)) return `chromium not found at ${chromiumPath} (apt-get install chromium)`;
  return undefined;
}

/**
 * The VSIX to test, or an error when there is none or it is older than the build: the suite runs
 * what users install, so a stale package would test old code.
 */
export function vsixUnderTest(): string {
  const vsix = builtVsix();
  if (!vsix || !existsSync(vsix)) throw new Error('no dist/*.vsix: run npm run build && npm run package');
  const built = path.join(repoRoot, 'dist/extension.js');
  if (!process.env.ANOMALY_LENS_VSIX && existsSync(built) && statSync(built).mtimeMs > statSync(vsix).mtimeMs) {
    throw new Error(`${path.relative(repoRoot, vsix)} is older than dist/extension.js: run npm run package`);
  }
  return vsix;
}

/** Installs the VSIX into `extensionsDir` as a user would (code-server --install-extension). */
export function installVsix(vsix: string, extensionsDir: string, userDataDir: string): void {
  const r = spawnSync(process.execPath, [codeServerEntry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    env: { ...process.env, VSCODE_PROXY_URI: '' },
    timeout: 120_000,
  });
  const installed = existsSync(extensionsDir) && readdirSync(extensionsDir).some((d) => d.startsWith('anomaly-lens.anomaly-lens-'));
  if (r.status !== 0 || !installed) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

export type Theme = 'light' | 'dark';
const THEMES: Record<Theme, string> = { light: 'Default Light Modern', dark: 'Default Dark Modern' };

export function userSettings(theme: Theme): Record<string, unknown> {
  return {
    'workbench.colorTheme': THEMES[theme],
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'window.dialogStyle': 'custom',
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'git.enabled': false,
    'editor.minimap.enabled': false,
    'anomalyLens.workerThreads': 2,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  userDataDir: string;
  browser: Browser;
  page: Page;
  server: ChildProcess;
  serverLog: string[];
  setTheme(theme: Theme): void;
  close(): Promise<void>;
}

export async function startCodeServer(opts: { stateDir: string; workspace: string; theme?: Theme }): Promise<CodeServer> {
  const extensionsDir = path.join(opts.stateDir, 'extensions');
  const userDataDir = path.join(opts.stateDir, 'user-data');
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  installVsix(vsixUnderTest(), extensionsDir, userDataDir);
  const settingsFile = path.join(userDataDir, 'User/settings.json');
  const setTheme = (theme: Theme) => writeFileSync(settingsFile, `${JSON.stringify(userSettings(theme), null, 2)}\n`);
  setTheme(opts.theme ?? 'light');

  const port = await freePort();
  const serverLog: string[] = [];
  const server = spawn(process.execPath, [
    codeServerEntry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir, opts.workspace,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VSCODE_PROXY_URI: '' } });
  const collect = (b: Buffer) => serverLog.push(...b.toString().split('\n').filter(Boolean));
  server.stdout!.on('data', collect);
  server.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, server, serverLog, 60_000);

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${url}?folder=${encodeURIComponent(opts.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The workspace is open once the Explorer lists it.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  return {
    url, userDataDir, browser, page, server, serverLog, setTheme,
    close: async () => {
      await browser.close().catch(() => undefined);
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
        if (server.exitCode === null) server.kill('SIGKILL');
      }
    },
  };
}

async function waitForHttp(url: string, server: ChildProcess, log: string[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${log.join('\n')}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms:\n${log.join('\n')}`);
}

/** The extension host's "Anomaly Lens" log (the LogOutputChannel writes it under the user-data logs). */
export function readExtensionLog(userDataDir: string): string {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/Anomaly Lens\.log$/.test(n)) found.push(p);
    }
  };
  if (existsSync(path.join(userDataDir, 'logs'))) walk(path.join(userDataDir, 'logs'));
  return found.sort().map((f) => readFileSync(f, 'utf8')).join('\n');
}
