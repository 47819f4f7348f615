import { DEFAULT_MAX_PIXELS } from '../image/decodeOptions';
import { checkBackbone, Detector } from '../method/detector';
import { OnnxFeatureExtractor } from '../method/features';
import type { RuntimeOptions } from '../onnx/runtime';
import { readModelArrays, readModelManifest } from './modelFile';

/** Reads, validates and opens a saved model in this thread. */
export async function loadModelDetector(dir: string, rt: RuntimeOptions, maxPixels = DEFAULT_MAX_PIXELS): Promise<Detector> {
  const manifest = await readModelManifest(dir);
  const state = await readModelArrays(dir, manifest);
  const extractor = await OnnxFeatureExtractor.open(manifest.backbone.ref ?? manifest.backbone.id, manifest.preprocess, manifest.options, rt);
  try {
    checkBackbone(manifest, extractor, dir);
  } catch (err) {
    await extractor.release();
    throw err;
  }
  return Detector.create(manifest, state, extractor, rt, maxPixels);
}
