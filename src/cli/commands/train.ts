/** `anomaly-lens train <normal images|folders|lists…> --out <model dir>` (or `--contaminated <folder>`). */
import { formatMargin, MARGIN_EXPLAINED, scoreMargin } from '../../shared/scoreMargin';
import { plural } from '../plural';
import * as path from 'node:path';
import type { ImageScore, ScanFailure } from '../../core/api';
import type { FittedDetector } from '../../core/api';
import { deps } from '../deps';
import { AnomalyLensError, describeError } from '../../shared/errors';
import { CLI_REMEDY, thresholdAdvice } from '../../shared/thresholdAdvice';
import { num, parse, required, str, strs, flag } from '../args';
import { replaceDirAtomic } from '../../core/io/atomic';
import { MAP_MEAN_WEIGHT } from '../../core/method/options';
import { describeGeometry } from '../../core/tiling/plan';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import { findImages, toSource } from '../sources';
import { announceDevice, METHOD_OPTIONS, RUNTIME_OPTIONS, trainOptionsOf } from './common';

export const TRAIN_HELP = `anomaly-lens train <normal images, folders or list files…> --out <model dir> [options]
  --out <dir>              where the model folder is written (replaced only when training succeeds)
  --backbone <id|file>     inceptionv3-int8 (default), inceptionv3, mobilenetv2, or a backbone manifest JSON
  --method gpmlp|patchcore --alpha <n> --rho <f> --seed <n> --lambda <n> --selector gradient|random
  --score-mode knn|center  --global-weight <n> --map-mean-weight <n> --top-fraction <f> --k <n> --epochs <n> --augment|--no-augment --augment-views 6|24 --test-views 1|6|8 --threshold-quantile <f>
                       (unset: flips/rotations below 32 images, 24 views for a single image, images then scored in their unmoved training views (6, or 8 for one image); whole-map term off; --map-mean-weight ${MAP_MEAN_WEIGHT} turns it on)
  --tile auto|off|<px>     cut images into tiles: auto (default: elongated or very large images, chosen from the first image), off (resize each image to the input), or a tile side in pixels
  --anomalies <path>       labelled anomalous images/folders (repeatable): F1 threshold
  --contaminated <folder>  fit on a folder that may hold anomalies; prints its ranking
  --contamination <f>      expected anomalous fraction for --contaminated (default: engine's)
  --workers <n>  worker threads extracting features in parallel (default: one per core up to 2 for 16+ images; 1 = none)
  --device auto|cpu|cuda|webgpu|dml|coreml  --threads <n>  --max-pixels <n>  --json  --quiet`;

export const isScore = (r: ImageScore | ScanFailure): r is ImageScore => 'score' in r;

export async function trainCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...RUNTIME_OPTIONS,
    ...METHOD_OPTIONS,
    out: { type: 'string', short: 'o' },
    anomalies: { type: 'string', multiple: true },
    contaminated: { type: 'string' },
    contamination: { type: 'string' },
  });
  if (flag(v, 'help')) {
    io.out(`${TRAIN_HELP}\n`);
    return 0;
  }
  const out = path.resolve(io.cwd, required(v, 'out', 'train'));
  const contaminated = str(v, 'contaminated');
  const contamination = num(v, 'contamination', (n) => n >= 0 && n < 1, 'a fraction in [0, 1)');
  const json = flag(v, 'json');
  const opts = trainOptionsOf(v);
  const inputs = contaminated ? [contaminated, ...positionals] : positionals;
  if (inputs.length === 0) {
    throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no training images given', { hint: 'pass normal images or a folder, e.g. `train good/ --out model/`' });
  }
  const found = await findImages(inputs, io.cwd, [out]);
  if (found.length === 0) {
    throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no image files found', { file: inputs.join(', '), hint: 'supported: png, jpg, tif, bmp, dcm' });
  }
  const anomalyFiles = await findImages(strs(v, 'anomalies'), io.cwd);
  const progress = createProgress(io, { quiet: flag(v, 'quiet') });
  await announceDevice(opts.device, progress);
  const ctx = { onProgress: progress.update, log: progress.log };
  const started = io.now();
  let detector: FittedDetector;
  let ranking: (ImageScore | ScanFailure)[] | undefined;
  let assumed: { share: number; estimated: boolean; basis: string } | undefined;
  try {
    const trainOpts = { ...opts, anomalies: anomalyFiles.length ? anomalyFiles.map(toSource) : undefined };
    if (contaminated) {
      const r = await deps.fitContaminated(found.map(toSource), { ...trainOpts, contamination }, ctx);
      detector = r.detector;
      ranking = r.ranking;
      assumed = r.contamination;
    } else {
      detector = await deps.trainDetector(found.map(toSource), trainOpts, ctx);
    }
    await replaceDirAtomic(out, (tmp) => deps.saveDetector(detector, tmp));
  } finally {
    progress.done();
  }
  const m = detector.manifest;
  const seconds = (io.now() - started) / 1000;
  await detector.release();
  const advice = thresholdAdvice(m.trainingImages, m.calibration.anomalyCount, CLI_REMEDY);
  const scores = (ranking ?? []).filter(isScore).sort((a, b) => b.score - a.score);
  const failures = (ranking ?? []).filter((r): r is ScanFailure => !isScore(r));
  if (json) {
    io.out(
      `${JSON.stringify(
        {
          model: out,
          id: m.id,
          backbone: m.backbone.id,
          method: m.options.method,
          trainingImages: m.trainingImages,
          repositorySize: m.repositorySize,
          tiling: m.tiling ?? null,
          threshold: m.calibration.threshold,
          thresholdMode: m.calibration.mode,
          thresholdNote: advice?.text,
          trainingSeconds: m.trainingSeconds,
          seconds,
          ranking: ranking
            ? scores.map((s) => ({ name: s.name, score: s.score, normalized: s.normalized, anomalous: s.anomalous }))
            : undefined,
          failures: ranking ? failures.map((f) => ({ name: f.name, error: f.error })) : undefined,
          contamination: assumed,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  io.out(
    `trained ${m.options.method} on ${plural(m.trainingImages, 'image')} with ${m.backbone.id} in ${seconds.toFixed(1)} s: ` +
      `repository ${m.repositorySize} patches, threshold ${m.calibration.threshold.toPrecision(4)} (${m.calibration.mode})\n` +
      `${describeGeometry(m.tiling)}\n` +
      `model written to ${out}\n`,
  );
  if (advice) io.err(`note: ${advice.text}\n`);
  if (ranking) {
    if (assumed) io.out(`\ncontamination ${assumed.estimated ? 'estimated' : 'stated'}: ${(assumed.share * 100).toFixed(1)} % (${assumed.basis})\n`);
    io.out(`\nranking of ${contaminated} (most anomalous first; ${MARGIN_EXPLAINED}):\n`);
    scores.forEach((s, i) =>
      io.out(`${String(i + 1).padStart(4)}  ${formatMargin(scoreMargin(s.score, s.threshold, m.calibration.spread)).padStart(7)}  ${s.score.toPrecision(4).padStart(10)}  ${s.anomalous ? 'ANOMALOUS' : 'normal   '}  ${s.name}\n`),
    );
    for (const f of failures) io.out(`   -  failed  ${describeError(f.error)}\n`);
  }
  return 0;
}
