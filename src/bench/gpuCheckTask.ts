/**
 * One timed task of the GPU check, run in its own process so each device starts clean: train a
 * model on the first `images` training images, or scan `images` test images with a model and
 * write every score (the parity comparison reads them).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageSource } from '../core/api';
import { openScorer, saveDetector, scanStream, trainDetector } from '../core/engine';
import type { DeviceSetting } from '../core/onnx/device';
import { exportDetector } from '../core/export/exportModel';
import { OUTPUT_NAMES } from '../core/export/detectorGraph';
import { createSession, resolveDevice, tensor } from '../core/onnx/runtime';

export interface TaskSpec {
  /** `exported`: the model exported as one ONNX file, run on `images` generated inputs. */
  task: 'train' | 'scan' | 'exported';
  device: DeviceSetting;
  data: string;
  model: string;
  images: number;
  backbone: string;
  /** Scan worker threads (undefined = the product's automatic choice). */
  workers?: number;
  /** Scan only: where the scores go, name → score. */
  scores?: string;
}

export interface TaskResult {
  device: string;
  images: number;
  seconds: number;
  /** Scan only: opening the model and its workers, not counted in `seconds`. */
  startSeconds?: number;
  workers?: number;
}

async function pngs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await pngs(p)));
    else if (e.name.endsWith('.png')) out.push(p);
  }
  return out.sort();
}

const source = (root: string) => (file: string): ImageSource => ({
  name: path.relative(root, file),
  read: async () => new Uint8Array(await fs.readFile(file)),
});

export async function runTask(t: TaskSpec): Promise<TaskResult> {
  const device = (await resolveDevice(t.device)).label;
  if (t.task === 'train') {
    const files = (await pngs(path.join(t.data, 'train', 'good'))).slice(0, t.images);
    const t0 = performance.now();
    const det = await trainDetector(files.map(source(t.data)), { backbone: t.backbone, device: t.device });
    const seconds = (performance.now() - t0) / 1000;
    await saveDetector(det, t.model);
    await det.release();
    return { device, images: files.length, seconds };
  }
  if (t.task === 'exported') return runExported(t, device);
  const files = (await pngs(path.join(t.data, 'test'))).slice(0, t.images);
  const t00 = performance.now();
  const scorer = await openScorer(t.model, { device: t.device, workers: t.workers, images: files.length });
  const startSeconds = (performance.now() - t00) / 1000;
  const scores: Record<string, number> = {};
  const t0 = performance.now();
  for await (const r of scanStream(scorer, files.map(source(t.data)))) {
    if ('score' in r) scores[r.name] = r.score.score;
    else throw new Error(`${r.name}: ${r.error.message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const workers = scorer.workers;
  await scorer.release();
  if (t.scores) await fs.writeFile(t.scores, JSON.stringify(scores));
  return { device, images: Object.keys(scores).length, seconds, startSeconds, workers };
}

/** The exported detector graph on the device: one image at a time, pred_score per input. */
async function runExported(t: TaskSpec, device: string): Promise<TaskResult> {
  const { bytes, sidecar } = await exportDetector({ modelDir: t.model });
  const session = await createSession(bytes, { device: t.device, threads: 0 });
  const side = sidecar.preprocessing.size;
  const scores: Record<string, number> = {};
  const t0 = performance.now();
  for (let i = 0; i < t.images; i++) {
    // A smooth deterministic pattern in the model's input range: the same bytes on every device.
    const x = new Float32Array(3 * side * side);
    for (let j = 0; j < x.length; j++) x[j] = Math.sin(j * 0.001 * (i + 1)) * 0.5 + Math.cos((j % side) * 0.07 + i);
    const out = await session.run({ [OUTPUT_NAMES.image]: tensor(x, [1, 3, side, side]) });
    scores[`input-${i}`] = (out[OUTPUT_NAMES.score].data as Float32Array)[0];
  }
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  if (t.scores) await fs.writeFile(t.scores, JSON.stringify(scores));
  return { device: `${device} (${session.provider})`, images: t.images, seconds };
}
