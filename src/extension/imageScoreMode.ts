/** The `anomalyLens.imageScore` and `anomalyLens.fewShotViews` settings and the method options behind them (no vscode import: unit-tested). */
import type { MethodOptions } from '../shared/model';

/** auto = the engine's defaults (top 2 %); local = top 2 % only, whatever the defaults; wholeImage = map mean only. */
export type ImageScoreMode = 'auto' | 'local' | 'wholeImage';
export const IMAGE_SCORE_MODES: readonly ImageScoreMode[] = ['auto', 'local', 'wholeImage'];

export function parseImageScoreMode(v: unknown): ImageScoreMode {
  return IMAGE_SCORE_MODES.includes(v as ImageScoreMode) ? (v as ImageScoreMode) : 'auto';
}

export function imageScoreMethod(mode: ImageScoreMode): { method?: Partial<MethodOptions> } {
  if (mode === 'wholeImage') return { method: { topFraction: 1, mapMeanWeight: 0 } };
  if (mode === 'local') return { method: { mapMeanWeight: 0 } };
  return {};
}

/** auto = a few-shot model scores each image in its 6 training views (the engine's default); single = the image alone, faster scans. */
export type FewShotViews = 'auto' | 'single';
export const FEW_SHOT_VIEWS: readonly FewShotViews[] = ['auto', 'single'];

export function parseFewShotViews(v: unknown): FewShotViews {
  return FEW_SHOT_VIEWS.includes(v as FewShotViews) ? (v as FewShotViews) : 'auto';
}

/** Method options for new models from both settings. */
export function scoringMethod(mode: ImageScoreMode, views: FewShotViews): { method?: Partial<MethodOptions> } {
  const method = { ...imageScoreMethod(mode).method, ...(views === 'single' ? { testViews: 1 } : {}) };
  return Object.keys(method).length ? { method } : {};
}
