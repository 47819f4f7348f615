/** The `anomalyLens.imageScore` setting and the method options behind it (no vscode import: unit-tested). */
import type { MethodOptions } from '../shared/model';

/** auto = the engine's defaults (top 2 %, plus the whole-map term from 16 images); local = top 2 % only; wholeImage = map mean only. */
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
