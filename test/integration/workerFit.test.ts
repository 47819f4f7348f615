/** The worker's outlier fit: every ranked image becomes an item with the facts of the bytes the fit read, read once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { engineHandlers } from '../../src/worker/engineHandlers';
import type { RequestContext } from '../../src/worker/rpcServer';
import type { ScanItem, WorkerMethods } from '../../src/shared/workerProtocol';

test('fitContaminated items carry sha256, size, format and frame count of what the fit read, without reading any image again', async () => {
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < 8; i++) files.set(`mem:/good-${i}.png`, new Uint8Array(encodeSamplePng(generateTexture('woven', 100 + i, 128))));
  files.set('mem:/broken.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
  const reads = new Map<string, number>();
  const items: ScanItem[] = [];
  const ctx: RequestContext = {
    signal: new AbortController().signal,
    progress: () => undefined,
    item: (i) => items.push(i as ScanItem),
    read: async (uri) => {
      reads.set(uri, (reads.get(uri) ?? 0) + 1);
      return files.get(uri)!;
    },
    log: () => undefined,
  };
  const saveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-worker-fit-'));
  const params: WorkerMethods['fitContaminated']['params'] = {
    sources: [...files.keys()].map((uri) => ({ name: uri.slice(5), uri })),
    options: { backbone: 'mobilenetv2', device: 'cpu', threads: 2, method: { maxEpochs: 4, patience: 2, seed: 3 } },
    contamination: 0.1,
    saveDir,
  };
  try {
    const result = (await engineHandlers.fitContaminated(params as never, ctx)) as WorkerMethods['fitContaminated']['result'];
    assert.equal(result.scored, 8);
    assert.equal(result.failed, 1);
    assert.equal(items.length, 9, 'every image is reported: 8 scored, 1 failed');
    for (const item of items) {
      const bytes = files.get(`mem:/${item.name}`)!;
      if (item.kind === 'failed') {
        assert.equal(item.name, 'broken.png');
        continue;
      }
      assert.equal(item.kind, 'scored');
      if (item.kind !== 'scored') continue;
      assert.equal(item.format, 'png');
      assert.equal(item.frameCount, 1);
      assert.equal(item.width, 128);
      assert.equal(item.height, 128);
      assert.equal(item.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
    for (const [uri, n] of reads) assert.equal(n, 1, `${uri} read once (the fit's own read), not again for its facts`);
  } finally {
    await engineHandlers.release({} as never, ctx);
    fs.rmSync(saveDir, { recursive: true, force: true });
  }
});
