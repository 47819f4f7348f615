/** Entry of an EnginePool worker thread: one feature extractor (and detector) at 1–n threads. */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import { checkBackbone, Detector } from '../method/detector';
import { decodeSource } from '../io/source';
import { OnnxFeatureExtractor } from '../method/features';
import type { PoolInit, PoolReply, PoolRequest } from './protocol';

const init = workerData as PoolInit;
const port = parentPort;
if (!port) throw new Error('poolWorker must run as a worker thread');
const post = (m: PoolReply): void => port.postMessage(m);
const runtime = { ...init.runtime };

const ready = (async () => {
  const extractor = await OnnxFeatureExtractor.open(init.backboneRef, init.preprocess, init.pooling, runtime);
  extractor.tiling = init.tiling;
  if (init.detector) checkBackbone(init.detector.manifest, extractor);
  const detector = init.detector ? await Detector.create(init.detector.manifest, init.detector.state, extractor, runtime, init.maxPixels) : undefined;
  return { extractor, detector };
})();
ready.then(
  () => post({ kind: 'ready' }),
  (err: unknown) => post({ kind: 'init-failed', error: toErrorInfo(err) }),
);

/** Only the scored frame travels back; a 100-frame series would otherwise be copied per frame. */
function keepFrame(img: DecodedImage, frame: number): DecodedImage {
  if (img.frames.length <= 1) return img;
  return { ...img, frames: img.frames.map((f, i) => (i === frame ? f : { data: new Uint8Array(0) })) };
}

async function handle(req: PoolRequest): Promise<PoolReply> {
  const { extractor, detector } = await ready;
  const img = await decodeSource({ name: req.name, frame: req.frame, read: async () => req.bytes }, init.maxPixels);
  if (req.op === 'extract') return { kind: 'result', id: req.id, ok: true, value: await extractor.extract(img, req.name, req.frame, req.views) };
  if (!detector) throw new Error('this pool was opened without a detector');
  const score = await detector.scoreImage(img, req.name, req.frame);
  return { kind: 'result', id: req.id, ok: true, value: { score, image: keepFrame(img, req.frame) } };
}

port.on('message', (req: PoolRequest) => {
  handle(req).then(post, (err: unknown) => post({ kind: 'result', id: req.id, ok: false, error: toErrorInfo(err, req.name) }));
});
