/**
 * What a threshold change would do before it applies, and applying it to annotation files
 * (no vscode import: unit-tested).
 */
import type { Annotation } from '../shared/annotation';
import { rethreshold, thresholdUpToDate, type ThresholdSettings } from './threshold';
import { groupOf, isReviewed, type Finding } from './treeModel';

export interface ScoredModel {
  id: string;
  threshold: number;
  spread: number;
}

/** How many unreviewed, scored images would be flagged under `settings` (of how many). */
export function previewFlagged<F extends Finding>(
  findings: readonly F[], modelOf: (f: F) => ScoredModel | undefined, settings: ThresholdSettings, uncertainBand: number,
): { flagged: number; total: number } {
  let flagged = 0;
  let total = 0;
  for (const f of findings) {
    if (f.status === 'error' || isReviewed(f) || f.score === undefined) continue;
    const model = modelOf(f);
    if (!model || model.id !== f.modelId) continue;
    total++;
    if (groupOf(rethreshold(f, model, settings), uncertainBand) === 'flagged') flagged++;
  }
  return { flagged, total };
}

/**
 * A predicted annotation with its prediction read against another threshold (label, normalised
 * score, decision). undefined when nothing changes or a person reviewed it (their decision stays).
 */
export function annotationAtThreshold(a: Annotation, f: Pick<Finding, 'threshold' | 'normalized' | 'label'>, now: string): Annotation | undefined {
  const p = a.prediction;
  if (a.status !== 'predicted' || !p || f.threshold === undefined || f.normalized === undefined || !f.label) return undefined;
  if (p.threshold === f.threshold && a.label === f.label) return undefined;
  const anomalous = f.label === 'anomalous';
  return { ...a, label: f.label, prediction: { ...p, threshold: f.threshold, normalized: f.normalized, anomalous }, updatedAt: now };
}

/**
 * Whether a finding's annotation file holds another threshold than the one in effect (a
 * predicted file only: reviewed files keep the reviewer's decision).
 */
export function thresholdToWrite(f: Pick<Finding, 'status' | 'threshold'> & { storedThreshold?: number }): boolean {
  return f.status === 'predicted' && f.threshold !== undefined && !thresholdUpToDate(f.storedThreshold, f.threshold);
}
