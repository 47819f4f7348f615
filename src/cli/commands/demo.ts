/**
 * `anomaly-lens demo`: generates a small sample folder (textures with synthetic defects, MNIST
 * digits as a one-class example), trains on each, scans it and prints the ranked findings with
 * the paths of heatmaps and the report. Runs through the same train/scan commands as a user would.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeDigitSet, writeTextureSet } from '../../core/samples/write';
import { flag, num, parse, str } from '../args';
import type { CliIo } from '../io';
import { scanCommand, shown } from './scan';
import { trainCommand } from './train';

export const DEMO_HELP = `anomaly-lens demo [--out demo-out] [--seed n] [--backbone id] [--threads n] [--no-digits]
  Generates samples under --out (textures with scratches, spots and cracks; MNIST digit 7 as "normal",
  other digits as anomalies), trains one model per set, scans, and writes an HTML report per set.`;

interface DemoSet {
  id: string;
  title: string;
  make: (root: string, seed: number) => Promise<unknown>;
}

const SETS: DemoSet[] = [
  {
    id: 'textures',
    title: 'woven texture: scratches, spots, cracks',
    make: (root, seed) => writeTextureSet(root, { kind: 'woven', seed, size: 256, train: 8, testGood: 6, testPerDefect: 2 }),
  },
  {
    id: 'digits',
    title: 'MNIST: digit 7 is normal, other digits are anomalies',
    make: (root, seed) => writeDigitSet(root, { normalDigit: 7, seed, train: 10, testGood: 6, testOther: 6 }),
  },
];

export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v } = parse(
    args,
    {
      out: { type: 'string' },
      seed: { type: 'string' },
      backbone: { type: 'string' },
      threads: { type: 'string' },
      'no-digits': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (flag(v, 'help')) {
    io.out(`${DEMO_HELP}\n`);
    return 0;
  }
  const root = path.resolve(io.cwd, str(v, 'out') ?? 'demo-out');
  const seed = num(v, 'seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 1;
  const passThrough = [
    ...(str(v, 'backbone') ? ['--backbone', str(v, 'backbone') as string] : []),
    ...(str(v, 'threads') ? ['--threads', str(v, 'threads') as string] : []),
    ...(flag(v, 'quiet') ? ['--quiet'] : []),
  ];
  const started = io.now();
  const sets = SETS.filter((s) => !(flag(v, 'no-digits') && s.id === 'digits'));
  const reports: string[] = [];
  for (const s of sets) {
    const dir = path.join(root, s.id);
    // Fresh samples every run, so the printed ranking always matches what is on disk.
    await fs.rm(dir, { recursive: true, force: true });
    await s.make(path.join(dir, 'samples'), seed);
    io.out(`\n== ${s.id}: ${s.title}\n   samples: ${shown(io.cwd, path.join(dir, 'samples'))}\n`);
    const model = path.join(dir, 'model');
    let code = await trainCommand([path.join(dir, 'samples', 'train', 'good'), '--out', model, '--seed', String(seed), ...passThrough], io);
    if (code !== 0) return code;
    const report = path.join(dir, 'report.html');
    code = await scanCommand([path.join(dir, 'samples', 'test'), '--model', model, '--out', path.join(dir, 'scan'), '--report', report, ...passThrough], io);
    if (code !== 0) return code;
    reports.push(report);
  }
  io.out(`\ndemo finished in ${((io.now() - started) / 1000).toFixed(1)} s. Open the reports:\n${reports.map((r) => `   ${shown(io.cwd, r)}`).join('\n')}\n`);
  return 0;
}
