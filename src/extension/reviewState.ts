/**
 * What the review editor shows about an image's annotation and stored score (no vscode import:
 * unit-tested). An image without an annotation is "not scanned", never "normal".
 */
import type { Annotation } from '../shared/annotation';
import type { ReviewState, ScoreInfo } from '../shared/protocol';
import { scoreMargin } from '../shared/scoreMargin';

export function reviewState(a: Annotation | undefined, revision: string | null, queue: ReviewState['queue']): ReviewState {
  if (!a) return { status: 'predicted', label: 'normal', scanned: false, regions: [], predicted: [], revision, queue };
  return {
    status: a.status, label: a.label, scanned: a.prediction !== null, regions: a.regions, predicted: a.prediction?.regions ?? [],
    revision, updatedAt: a.updatedAt, queue,
  };
}

/** The model whose calibration spread turns a stored score into a margin (when it made the prediction). */
export interface SpreadSource {
  id: string;
  spread: number;
}

/** The score stored in the annotation file, with its margin when the model that made it is known. */
export function storedScore(a: Annotation | undefined, model?: SpreadSource): ScoreInfo | null {
  const p = a?.prediction;
  if (!p) return null;
  const info: ScoreInfo = { raw: p.score, threshold: p.threshold, normalized: p.normalized, label: p.anomalous ? 'anomalous' : 'normal', heatmap: null, extent: p.extent };
  if (model && model.id === p.modelId) info.margin = scoreMargin(p.score, p.threshold, model.spread);
  return info;
}

/** Identifies a stored prediction: when it changes (a rescan, a threshold change), the open editor scores again. */
export function predictionKey(a: Annotation | undefined): string | undefined {
  const p = a?.prediction;
  return p ? `${p.modelId}|${p.predictedAt}|${p.threshold}` : undefined;
}
