import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rename, rm, stat, writeFile, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AnnotationStore, type StoreFs } from '../../src/extension/annotationStore';
import { annotationValidator } from '../../src/extension/annotationValidator';
import { acceptAnnotation, predictedAnnotation, rejectAnnotation, type Annotation } from '../../src/shared/annotation';
import { AnomalyLensError } from '../../src/shared/errors';

/** node:fs under a root folder, with hooks to simulate a crash. */
function nodeFs(root: string, hooks: { beforeRename?: (from: string, to: string) => void } = {}): StoreFs {
  const abs = (p: string) => path.join(root, p);
  return {
    readFile: async (p) => new Uint8Array(await readFile(abs(p))),
    writeFile: async (p, data) => {
      await mkdir(path.dirname(abs(p)), { recursive: true });
      await writeFile(abs(p), data);
    },
    rename: async (from, to) => {
      hooks.beforeRename?.(from, to);
      await rename(abs(from), abs(to));
    },
    stat: async (p) => {
      try {
        const s = await stat(abs(p));
        return { mtime: s.mtimeMs, size: s.size };
      } catch {
        return undefined;
      }
    },
    delete: async (p) => rm(abs(p), { force: true }),
  };
}

const ctx = { now: '2024-05-01T10:00:00.000Z', toolVersion: '0.1.0' };
const image = { path: 'a/b.png', sha256: 'c'.repeat(64), width: 8, height: 8, frame: 0, frameCount: 1, format: 'png' as const };
const model = { id: 'm-1', backbone: 'mobilenetv2' };
const predicted = (): Annotation => predictedAnnotation({ score: 3, normalized: 0.9, threshold: 2, anomalous: true }, image, model, ctx);

async function setup(hooks?: Parameters<typeof nodeFs>[1]) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-store-'));
  const store = new AnnotationStore(nodeFs(root, hooks), annotationValidator(), () => '.anomaly-lens/annotations');
  const file = path.join(root, '.anomaly-lens/annotations/a/b.png.json');
  return { root, store, file };
}

const code = (c: string) => (err: unknown) => err instanceof AnomalyLensError && err.code === c;

test('write then read round-trips through the mirrored path', async () => {
  const { store, file, root } = await setup();
  await store.write('a/b.png', predicted());
  assert.deepEqual(await store.read('a/b.png'), predicted());
  assert.equal(JSON.parse(await readFile(file, 'utf8')).label, 'anomalous');
  assert.equal(await store.read('a/missing.png'), undefined);
  await rm(root, { recursive: true });
});

test('a crash between temp write and rename leaves the old file intact and no temp file', async () => {
  let crash = false;
  const { store, file, root } = await setup({ beforeRename: () => { if (crash) throw new Error('simulated crash'); } });
  await store.write('a/b.png', predicted());
  const before = await readFile(file, 'utf8');
  crash = true;
  await assert.rejects(store.write('a/b.png', rejectAnnotation(predicted(), ctx)), /previous annotation file is intact|could not save/);
  assert.equal(await readFile(file, 'utf8'), before);
  assert.deepEqual(await readdir(path.dirname(file)), ['b.png.json']);
  await rm(root, { recursive: true });
});

test('a temp file left by a killed process is ignored by readers', async () => {
  const { store, file, root } = await setup();
  await store.write('a/b.png', predicted());
  await writeFile(`${file}.tmp-999-deadbeef`, '{"half": ');
  assert.equal((await store.read('a/b.png'))?.status, 'predicted');
  await rm(root, { recursive: true });
});

test('an external edit is detected and never clobbered', async () => {
  const { store, file, root } = await setup();
  await store.write('a/b.png', predicted());
  const edited = { ...acceptAnnotation(predicted(), ctx), toolVersion: 'hand-edited' };
  await writeFile(file, JSON.stringify(edited));
  assert.equal(await store.changedExternally('a/b.png'), true);
  await assert.rejects(store.write('a/b.png', rejectAnnotation(predicted(), ctx)), code('ANNOTATION_CONFLICT'));
  assert.equal(JSON.parse(await readFile(file, 'utf8')).toolVersion, 'hand-edited');
  // update() works on the latest content, so the external edit is the base
  const merged = await store.update('a/b.png', (cur) => cur && { ...cur, updatedAt: '2024-06-01T00:00:00.000Z' });
  assert.equal(merged?.toolVersion, 'hand-edited');
  // an explicit overwrite is allowed
  await store.write('a/b.png', predicted(), { force: true });
  assert.equal(JSON.parse(await readFile(file, 'utf8')).status, 'predicted');
  await rm(root, { recursive: true });
});

test('a touched but unchanged file is not a conflict', async () => {
  const { store, file, root } = await setup();
  await store.write('a/b.png', predicted());
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(await store.changedExternally('a/b.png'), false);
  await store.write('a/b.png', acceptAnnotation(predicted(), ctx));
  await rm(root, { recursive: true });
});

test('a file that appeared without being read is not overwritten', async () => {
  const { store, file, root } = await setup();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(predicted()));
  await assert.rejects(store.write('a/b.png', predicted()), code('ANNOTATION_CONFLICT'));
  await rm(root, { recursive: true });
});

test('invalid files are reported, not overwritten; invalid annotations are not written', async () => {
  const { store, file, root } = await setup();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '{ not json');
  await assert.rejects(store.read('a/b.png'), code('ANNOTATION_INVALID'));
  await assert.rejects(store.update('a/b.png', () => predicted()), code('ANNOTATION_INVALID'));
  assert.equal(await readFile(file, 'utf8'), '{ not json');
  await writeFile(file, JSON.stringify({ ...predicted(), label: 'odd' }));
  await assert.rejects(store.read('a/b.png'), (e) => code('ANNOTATION_INVALID')(e) && /label/.test((e as Error).message));
  await assert.rejects(store.write('x.png', { ...predicted(), status: 'unknown' } as unknown as Annotation), code('ANNOTATION_INVALID'));
  await rm(root, { recursive: true });
});

test('an image name near the 255-byte limit still gets its annotation (the temp name stays short)', async () => {
  const { store, root } = await setup();
  const name = `a/${'n'.repeat(240)}.png`; // 249 bytes with .json: fits; a suffixed temp name would not
  await store.write(name, predicted());
  assert.equal((await store.read(name))?.status, 'predicted');
  await rm(root, { recursive: true });
});

test('an annotation folder outside the workspace folder is refused and nothing is written', async () => {
  const { root } = await setup();
  const touched: string[] = [];
  const inner = nodeFs(root);
  const spy: StoreFs = {
    readFile: (p) => (touched.push(`read ${p}`), inner.readFile(p)),
    writeFile: (p, d) => (touched.push(`write ${p}`), inner.writeFile(p, d)),
    rename: (a, b) => (touched.push(`rename ${a} ${b}`), inner.rename(a, b)),
    stat: (p) => (touched.push(`stat ${p}`), inner.stat(p)),
    delete: (p) => (touched.push(`delete ${p}`), inner.delete(p)),
  };
  for (const folder of ['../escaped', '/tmp/escaped', 'C:\\escaped', '\\\\server\\share', 'a/../../escaped', '.', '']) {
    const store = new AnnotationStore(spy, annotationValidator(), () => folder);
    await assert.rejects(store.write('a/b.png', predicted()), (err: unknown) => {
      assert.ok(err instanceof AnomalyLensError, String(err));
      assert.equal(err.code, 'SETTING_INVALID');
      assert.match(err.message, /anomalyLens\.annotationFolder/);
      assert.ok(err.message.includes(JSON.stringify(folder)), err.message);
      assert.match(err.hint ?? '', /inside the workspace folder/);
      return true;
    }, folder);
    await assert.rejects(store.read('a/b.png'), code('SETTING_INVALID'));
    await assert.rejects(store.remove('a/b.png'), code('SETTING_INVALID'));
  }
  assert.deepEqual(touched, []);
  // `..` that stays inside is normalized, not refused.
  const inside = new AnnotationStore(spy, annotationValidator(), () => 'notes/../labels/./');
  await inside.write('a/b.png', predicted());
  assert.equal(JSON.parse(await readFile(path.join(root, 'labels/a/b.png.json'), 'utf8')).label, 'anomalous');
  await rm(root, { recursive: true });
});
