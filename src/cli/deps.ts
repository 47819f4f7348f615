/**
 * The engine entry points the CLI uses, in one object so tests can swap in a fake detector
 * (CLI behaviour — exit codes, bad files, outputs — is tested apart from the engine).
 */
import * as engine from '../core/engine';
import { resolveDevice } from '../core/onnx/runtime';
import { writeFileAtomic } from '../core/io/atomic';

export const deps = {
  openScorer: engine.openScorer,
  trainDetector: engine.trainDetector,
  fitContaminated: engine.fitContaminated,
  saveDetector: engine.saveDetector,
  readManifest: engine.readManifest,
  resolveDevice,
  /** Every scan output goes through here (tests inject disk-full and other write failures). */
  writeFile: writeFileAtomic,
};
