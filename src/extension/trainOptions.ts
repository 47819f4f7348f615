/** The worker's training options from a folder's settings. */
import * as vscode from 'vscode';
import type { WorkerTrainOptions } from '../shared/workerProtocol';
import { scoringMethod } from './imageScoreMode';
import { readSettings } from './settings';

export function trainOptions(folder: vscode.WorkspaceFolder): WorkerTrainOptions {
  const s = readSettings(folder);
  // A relative tap manifest is read from the workspace folder; bundled ids and absolute paths as given.
  const backbone = /\.json$/i.test(s.backbone) && !/^([a-z]:)?[\\/]/i.test(s.backbone)
    ? vscode.Uri.joinPath(folder.uri, s.backbone).fsPath
    : s.backbone;
  const crop = Math.round(s.inputSize);
  return {
    backbone,
    device: s.device,
    threads: s.workerThreads || undefined,
    workers: s.scanWorkers || undefined,
    maxPixels: s.maxImagePixels,
    // The whole image, as the engine's default: a centre crop would hide defects at the borders.
    preprocess: { crop, resize: crop },
    tile: s.tiling,
    ...scoringMethod(s.imageScore, s.fewShotViews),
  };
}
