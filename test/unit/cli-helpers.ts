/** Helpers for CLI tests: an in-memory CliIo and a fake detector (no engine, no models). */
import { openScorer } from '../../src/core/engine';
import type { CliIo } from '../../src/cli/io';
import type { FittedDetector } from '../../src/core/api';
import type { ImageScore } from '../../src/core/api';
import type { DecodedImage } from '../../src/shared/image';
import type { ModelManifest } from '../../src/shared/model';
import { DEFAULT_METHOD } from '../../src/core/method/options';
import { decodeImage } from '../../src/core/image/decode';

export interface Captured extends CliIo {
  stdout: string;
  stderr: string;
}

export function memoryIo(cwd: string): Captured {
  const io: Captured = {
    stdout: '',
    stderr: '',
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    errIsTTY: false,
    cwd,
    env: {},
    now: () => Date.now(),
  };
  return io;
}

export const fakeManifest = (): ModelManifest => ({
  formatVersion: 1,
  id: 'fake-model',
  createdAt: '2024-01-01T00:00:00.000Z',
  toolVersion: 'test',
  backbone: { id: 'fake', sha256: '0'.repeat(64), scaling: 'unit', taps: [], channels: [] },
  preprocess: { resize: 224, crop: 224, intensity: 'auto' },
  options: { ...DEFAULT_METHOD },
  grid: { height: 28, width: 28, featureDim: 8 },
  repositorySize: 10,
  trainingImages: 2,
  trainingSeconds: 0.1,
  epochs: 1,
  calibration: { mode: 'normal-quantile', threshold: 0.5, normalScores: [0.1, 0.2], spread: 0.25, patchStats: { mean: 0, std: 1 }, anomalyCount: 0 },
  arrays: {},
});

/** Scores an image by its mean brightness (0..1); the map marks bright pixels. */
export function fakeDetector(): FittedDetector {
  const manifest = fakeManifest();
  const scoreImage = async (img: DecodedImage, name: string): Promise<ImageScore> => {
    const d = img.frames[0].data;
    const map = new Float32Array(img.width * img.height);
    let sum = 0;
    for (let i = 0; i < map.length; i++) {
      map[i] = d[i * img.channels] / 255;
      sum += map[i];
    }
    const score = sum / map.length;
    const threshold = manifest.calibration.threshold;
    return { name, width: img.width, height: img.height, score, normalized: Math.min(1, Math.max(0, 0.5 + (score - threshold))), threshold, anomalous: score >= threshold, map, parts: { patch: score } };
  };
  return {
    manifest,
    scoreImage,
    scoreSource: async (src) => scoreImage(decodeImage(await src.read(), { path: src.name, maxPixels: 1e8 }), src.name),
    scoreFeatures: async () => {
      throw new Error('not used');
    },
    release: async () => undefined,
  };
}

/** Stands in for deps.openScorer: the fake detector, scored in this thread. */
export const openFakeScorer: typeof openScorer = async (_model, o) => openScorer(fakeDetector(), { ...o, workers: 1 });
