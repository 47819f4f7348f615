import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/cli';
import { deps } from '../../src/cli/deps';
import { histogramSvg } from '../../src/cli/report/histogram';
import { renderReportHtml, type ReportInput } from '../../src/cli/report/html';
import { encodeSamplePng } from '../../src/core/samples/write';
import { memoryIo, openFakeScorer } from './cli-helpers';

const model = { id: 'm1', backbone: 'mobilenetv2', method: 'gpmlp', trainingImages: 8, repositorySize: 100, threshold: 1.5, thresholdMode: 'normal-quantile', spread: 0.5, createdAt: 'now' };

test('report lists findings in the given rank order, escapes names and embeds thumbnails', () => {
  const input: ReportInput = {
    title: 'r',
    createdAt: 'today',
    source: 'imgs',
    seconds: 1,
    model,
    findings: [
      { name: 'worst<1>.png', score: 3, normalized: 1, anomalous: true, width: 10, height: 10, thumb: 'data:image/jpeg;base64,AAAA' },
      { name: 'middle.png', score: 2, normalized: 0.8, anomalous: true, width: 10, height: 10 },
      { name: 'best.png', score: 1, normalized: 0.2, anomalous: false, width: 10, height: 10 },
    ],
    failures: [{ name: 'bad.png', code: 'DECODE_FAILED', reason: 'truncated' }],
  };
  const html = renderReportHtml(input);
  const order = ['worst&lt;1&gt;.png', 'middle.png', 'best.png'].map((n) => html.lastIndexOf(n));
  assert.ok(order.every((i) => i > 0), 'every finding appears');
  assert.ok(order[0] < order[1] && order[1] < order[2], 'rank order kept in the table');
  assert.ok(!html.includes('worst<1>'), 'names are escaped');
  assert.match(html, /<img src="data:image\/jpeg;base64,AAAA"/);
  assert.match(html, /<svg[^>]*aria-label="Histogram of image scores with the threshold at 1\.50"/);
  assert.match(html, /bad\.png<\/td><td>DECODE_FAILED<\/td><td>truncated/);
  assert.ok(!/<script/i.test(html), 'no scripts needed');
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing loaded from the network');
});

test('many findings far above the threshold read as distinct margins in rank order, not a saturated percentage', () => {
  // 30 images all clipped to a normalised score of 1, handed over shuffled; one judged against a higher folder threshold.
  const findings: ReportInput['findings'] = Array.from({ length: 30 }, (_, i) => ({
    name: `img-${String(i).padStart(2, '0')}.png`, score: 3 + i * 0.25, normalized: 1, anomalous: true, width: 10, height: 10,
    thumb: i % 2 ? 'data:image/jpeg;base64,AAAA' : undefined,
  })).reverse();
  findings.push({ name: 'strict-folder.png', score: 20, threshold: 19.9, normalized: 1, anomalous: true, width: 10, height: 10 });
  findings.unshift({ name: 'calm.png', score: 1.25, normalized: 0.25, anomalous: false, width: 10, height: 10 });
  const html = renderReportHtml({ title: 'r', createdAt: 'today', source: 'imgs', seconds: 1, model, findings, failures: [] });
  const table = html.slice(html.indexOf('<h2>All images</h2>'));
  const rows = [...table.matchAll(/<td>([^<]+)<\/td><td class="num">[^<]+<\/td><td class="num margin">([^<]+)<\/td>/g)].map((m) => ({ name: m[1], margin: m[2] }));
  assert.equal(rows.length, 32, 'every image has a row with its margin');
  const margins = rows.map((r) => Number(r.margin));
  assert.ok(margins.every(Number.isFinite), `margins parse back: ${rows.map((r) => r.margin).join(' ')}`);
  for (let i = 1; i < margins.length; i++) assert.ok(margins[i - 1] > margins[i], `row ${i} (${margins[i]}) is below row ${i - 1} (${margins[i - 1]})`);
  const top20 = rows.slice(0, 20).map((r) => r.margin);
  assert.equal(new Set(top20).size, 20, `the top 20 read 20 different margins: ${top20.join(' ')}`);
  // score 10.25 against 1.5 with unit 0.25: +35.00; a typical normal image (half a spread below) -1.00.
  assert.deepEqual(rows[0], { name: 'img-29.png', margin: '+35.00' });
  assert.deepEqual(rows[rows.length - 1], { name: 'calm.png', margin: '-1.00' });
  assert.ok(rows.findIndex((r) => r.name === 'strict-folder.png') === 30, 'its own (higher) threshold ranks it low: +0.40');
  assert.ok(!/>\s*\d+\s*%\s*</.test(html), 'no percentage is shown');
  const cards = [...html.matchAll(/<div class="name">([^<]+)<\/div>\s*<div><span class="badge margin"[^>]*>([^<]+)<\/span>/g)].map((m) => m[2]);
  assert.equal(cards.length, 15, 'a card for each image with a thumbnail');
  assert.deepEqual(cards.slice(0, 3), ['+35.00', '+33.00', '+31.00'], 'cards show the margin, in rank order');
});

test('histogram marks the threshold and colours bins above it', () => {
  const svg = histogramSvg([0.1, 0.2, 0.2, 0.3, 0.9, 1.0], 0.5, { bins: 10 });
  assert.match(svg, /threshold 0\.500/);
  assert.equal((svg.match(/class="hi"/g) ?? []).length, 2, 'two bins above the threshold');
  assert.ok((svg.match(/class="lo"/g) ?? []).length >= 2);
  // Degenerate input (all equal, empty) still renders.
  assert.match(histogramSvg([1, 1, 1], 1), /<svg/);
  assert.match(histogramSvg([], 0.5), /<svg/);
});

test('scan --report writes one self-contained page with overlay thumbnails in rank order and the bad file listed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'al-report-'));
  const original = { ...deps };
  try {
    mkdirSync(path.join(dir, 'imgs'));
    const gray = (v: number): Buffer => encodeSamplePng({ width: 40, height: 30, channels: 1, data: new Uint8Array(40 * 30).fill(v) });
    writeFileSync(path.join(dir, 'imgs', 'a-dim.png'), gray(60));
    writeFileSync(path.join(dir, 'imgs', 'b-bright.png'), gray(240));
    writeFileSync(path.join(dir, 'imgs', 'c-mid.png'), gray(150));
    writeFileSync(path.join(dir, 'imgs', 'd-broken.png'), Buffer.from('not an image at all'));
    deps.openScorer = openFakeScorer;
    const io = memoryIo(dir);
    assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--report', 'report.html', '--quiet'], io), 0, io.stderr);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const pos = ['b-bright.png', 'c-mid.png', 'a-dim.png'].map((n) => html.indexOf(`<div class="name">${n}</div>`));
    assert.ok(pos.every((p) => p > 0) && pos[0] < pos[1] && pos[1] < pos[2], `cards ranked by score: ${pos}`);
    assert.equal((html.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length, 3, 'one embedded thumbnail per scored image');
    assert.match(html, /d-broken\.png<\/td><td>UNKNOWN_FORMAT/);
    // Output names append .png to the whole input name, so a.jpg and a.jpg.png never collide.
    assert.match(html, /href="out\/overlays\/b-bright\.png\.png"/, 'links to the full-size overlay, relative to the report');
    const overlay = readFileSync(path.join(dir, 'out', 'overlays', 'b-bright.png.png'));
    assert.equal(overlay.subarray(1, 4).toString(), 'PNG');
  } finally {
    Object.assign(deps, original);
    rmSync(dir, { recursive: true, force: true });
  }
});
