// Fuzz suite: seeded mutants (truncation, bit flips, header edits, codec-header bombs) of seed files
// in every format and transfer syntax the project writes, plus special files. Every input must be
// decoded or refused with a typed error (never INTERNAL), within the time limit and a memory bound.
// FUZZ_CASES=<n> runs a longer campaign (.ci/run uses it); FUZZ_SEED picks another sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../src/core/rng';
import { decodeImage } from '../../src/core/image/decode';
import { readRegularFile } from '../../src/core/io/regularFile';
import { AnomalyLensError } from '../../src/shared/errors';
import { fuzzSeeds } from './fuzzSeeds';

const CASES = Number(process.env.FUZZ_CASES ?? 320);
const SEED = Number(process.env.FUZZ_SEED ?? 20);
/** Per input: far above any of these small seeds, far below a hang. */
const TIME_LIMIT_MS = 5_000;
const RSS_LIMIT = 2 * 2 ** 30;
const MAX_PIXELS = 4_000_000;

type Mutator = (b: Uint8Array, r: () => number) => Uint8Array;

/** Sets every start-of-frame / SIZ size field it finds to a huge claim. */
function bombHeaders(b: Uint8Array, r: () => number): Uint8Array {
  const out = b.slice();
  const big = [16000, 30000, 65535][Math.floor(r() * 3)];
  for (let p = 0; p + 12 < out.length; p++) {
    if (out[p] !== 0xff) continue;
    const m = out[p + 1];
    if ((m >= 0xc0 && m <= 0xc3) || m === 0xf7) {
      out.set([big >> 8, big & 0xff, big >> 8, big & 0xff], p + 5);
    } else if (m === 0x51 && out[p - 1] === 0x4f) {
      new DataView(out.buffer).setUint32(p + 6, big * 4);
      new DataView(out.buffer).setUint32(p + 10, big * 4);
    }
  }
  return out;
}

const MUTATORS: Record<string, Mutator> = {
  truncate: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  bitflip: (b, r) => {
    const out = b.slice();
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
    return out;
  },
  header: (b, r) => {
    const out = b.slice();
    const at = Math.floor(r() * Math.min(out.length, 400));
    const v = [0xff, 0x00, 0x7f, Math.floor(r() * 256)][Math.floor(r() * 4)];
    out.fill(v, at, Math.min(out.length, at + 1 + Math.floor(r() * 4)));
    return out;
  },
  bomb: bombHeaders,
};

interface Outcome {
  input: string;
  result: string;
  ms: number;
}

function run(input: string, bytes: Uint8Array): Outcome {
  const t = performance.now();
  let result = 'decoded';
  try {
    decodeImage(bytes, { path: input, maxPixels: MAX_PIXELS });
  } catch (e) {
    result = e instanceof AnomalyLensError ? e.code : `INTERNAL (untyped: ${e instanceof Error ? e.message : String(e)})`;
  }
  return { input, result, ms: performance.now() - t };
}

test(`${CASES} seeded mutants of every seed file are decoded or refused with a typed error, in time and memory`, { timeout: Math.max(120_000, CASES * 2_000) }, () => {
  const seeds = fuzzSeeds();
  for (const s of seeds) assert.equal(run(s.name, s.bytes).result, 'decoded', `seed ${s.name} decodes`);
  const r = mulberry32(SEED);
  const names = Object.keys(MUTATORS);
  const bad: Outcome[] = [];
  const tally = new Map<string, number>();
  let peakRss = 0;
  for (let i = 0; i < CASES; i++) {
    const seed = seeds[i % seeds.length];
    const how = names[Math.floor(r() * names.length)];
    const o = run(`${seed.name}#${i}:${how}`, MUTATORS[how](seed.bytes, r));
    tally.set(o.result, (tally.get(o.result) ?? 0) + 1);
    if (o.result.startsWith('INTERNAL') || o.ms > TIME_LIMIT_MS) bad.push(o);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  assert.deepEqual(bad, [], 'no INTERNAL error and no input over the time limit');
  assert.ok(peakRss < RSS_LIMIT, `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB is under ${RSS_LIMIT / 2 ** 20} MiB`);
  if (process.env.FUZZ_CASES) console.log(JSON.stringify(Object.fromEntries(tally)));
});

test('special files in place of images are refused with a reason, never read', { skip: process.platform === 'win32', timeout: 20_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-fuzz-'));
  execFileSync('mkfifo', [path.join(dir, 'fifo.dcm')]);
  for (const file of [path.join(dir, 'fifo.dcm'), '/dev/zero', '/dev/null', dir]) {
    await assert.rejects(readRegularFile(file, file), (e: unknown) => e instanceof AnomalyLensError && e.code === 'FILE_UNREADABLE' && /not a regular file|a folder/.test(e.message));
  }
});
