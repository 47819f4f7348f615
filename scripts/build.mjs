// Build: convert the bundled backbones (once; cached by source hash), write the annotation
// schema, then bundle one file per runtime with esbuild.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const skipModels = args.has('--no-models');

function step(label, fn) {
  const t = performance.now();
  const r = fn();
  const done = (x) => {
    console.log(`build: ${label} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    return x;
  };
  return r instanceof Promise ? r.then(done) : done(r);
}

const tsx = (script, extra = []) =>
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, script), ...extra], { cwd: root, stdio: 'inherit' });

if (!skipModels) step('backbones converted', () => tsx('scripts/convert-models.ts'));
if (existsSync(path.join(root, 'scripts/write-schema.ts'))) step('annotation schema written', () => tsx('scripts/write-schema.ts'));

// Native and WebAssembly packages stay outside the bundles: they load files relative to themselves.
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nodeExternals = ['vscode', 'onnxruntime-node', ...Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@cornerstonejs/'))];

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeBundles = [
  { entry: 'src/cli/main.ts', out: 'dist/cli.js' },
  { entry: 'src/worker/main.ts', out: 'dist/worker.js' },
  { entry: 'src/extension/main.ts', out: 'dist/extension.js' },
  { entry: 'src/core/parallel/poolWorker.ts', out: 'dist/pool-worker.js' },
  { entry: 'src/bench/gpuCheck.ts', out: 'dist/gpu-check.js' },
];

await step('bundles', async () => {
  mkdirSync(path.join(root, 'dist/webview'), { recursive: true });
  const missing = [...nodeBundles.map((b) => b.entry), 'webview/main.ts'].filter((e) => !existsSync(path.join(root, e)));
  if (missing.length > 0) throw new Error(`build: missing entry points: ${missing.join(', ')}`);
  await Promise.all([
    ...nodeBundles.map((b) =>
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, b.entry)],
        outfile: path.join(root, b.out),
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: nodeExternals,
      }),
    ),
    esbuild.build({
      ...common,
      entryPoints: [path.join(root, 'webview/main.ts')],
      outfile: path.join(root, 'dist/webview/main.js'),
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
    }),
  ]);
  for (const css of ['main.css']) {
    const src = path.join(root, 'webview', css);
    if (existsSync(src)) cpSync(src, path.join(root, 'dist/webview', css));
  }
  const codicons = path.join(root, 'node_modules/@vscode/codicons/dist/codicon.css');
  if (existsSync(codicons)) {
    cpSync(path.dirname(codicons), path.join(root, 'dist/webview/codicons'), { recursive: true });
  }
  writeFileSync(path.join(root, 'dist/BUILD'), `${new Date().toISOString()}\n`);
});
