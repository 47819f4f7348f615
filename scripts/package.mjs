// npm run package: a platform-specific VSIX for this machine's platform (or --target <t>), with
// only what runs: bundles, webview assets, media, models, schemas, this platform's onnxruntime
// binaries and the wasm codecs. Offline: vsce lists production dependencies with `npm list` (local)
// and .vscodeignore keeps only the runtime files (--no-dependencies would drop node_modules whole).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const i = args.indexOf('--target');
const target = i >= 0 ? args[i + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const known = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
if (!known.includes(target)) throw new Error(`package: no onnxruntime binaries for target ${target} (one of ${known.join(', ')})`);
const [os, arch] = target.split('-');
if (!existsSync(path.join(root, 'dist/extension.js'))) throw new Error('package: run npm run build first');
const bin = path.join(root, 'node_modules/onnxruntime-node/bin/napi-v6', os, arch);
if (!existsSync(bin)) throw new Error(`package: ${bin} is missing`);

// The base .vscodeignore plus this platform's onnxruntime binaries (only).
const ignore = `${readFileSync(path.join(root, '.vscodeignore'), 'utf8')}\n!node_modules/onnxruntime-node/bin/napi-v6/${os}/${arch}/**\n`;
const ignoreFile = path.join(root, 'dist', `.vscodeignore.${target}`);
writeFileSync(ignoreFile, ignore);

// The repository README links into docs/ (relative links vsce cannot resolve offline); the VSIX
// gets a short one of its own.
const readme = path.join(root, 'dist', 'README.vsix.md');
writeFileSync(readme, `# Anomaly Lens\n\nFind anomalies in PNG, JPEG, TIFF, BMP and DICOM images: train a detector from a few normal images, scan a folder, review heatmaps, accept or correct, and keep one JSON annotation per image.\n\nOpen the **Anomaly Lens** view, or select a few normal images in the Explorer and run **Train Model from Selected Files**. The documentation is docs/extension.md in the source repository.\n`);

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, 'dist', `${pkg.name}-${pkg.version}-${target}.vsix`);
mkdirSync(path.dirname(out), { recursive: true });
const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
execFileSync(process.execPath, [
  vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out,
  '--readme-path', path.relative(root, readme), '--allow-missing-repository', '--no-update-package-json', '--no-git-tag-version',
], { cwd: root, stdio: 'inherit', env: { ...process.env, VSCE_TELEMETRY: 'off' } });
const mb = statSync(out).size / 1024 / 1024;
console.log(`package: ${path.relative(root, out)} (${mb.toFixed(1)} MB)`);

// Run what was packaged: the engine worker from the unpacked VSIX trains, scans and decodes.
if (!args.includes('--no-verify') && target === `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`) {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', '--test', 'test/package/vsix.test.ts'], {
      cwd: root, stdio: 'inherit', env: { ...process.env, ANOMALY_LENS_VSIX: out },
    });
  } catch {
    console.error(`package: ${path.relative(root, out)} does not run (see above); fix .vscodeignore`);
    process.exit(1);
  }
}
