/**
 * PNG masks in the MVTec AD layout (one folder per defect class, `good/` for images reviewed as
 * normal) and a CSV of the image decisions. Pure, like export.ts.
 */
import type { Annotation } from '../shared/annotation';
import { regionsToMask } from '../shared/regions';
import { encodeGrayPng, exportRegions, type ExportFile } from './export';

const enc = new TextEncoder();
const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');
const csv = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Mask file stems: the image name, or the flattened path when two images share a name. */
function stems(annotations: readonly Annotation[]): Map<Annotation, string> {
  const stem = (p: string) => p.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
  const count = new Map<string, number>();
  for (const a of annotations) count.set(stem(a.image.path), (count.get(stem(a.image.path)) ?? 0) + 1);
  return new Map(annotations.map((a) => {
    const s = stem(a.image.path);
    return [a, safeName((count.get(s) ?? 0) > 1 ? a.image.path.replace(/\.[^./]+$/, '').replace(/\//g, '__') : s)];
  }));
}

/**
 * MVTec AD ground truth: `ground_truth/<class>/<name>_mask.png` (8-bit, 0 / 255), one mask per
 * class present on an anomalous image; `ground_truth/good/<name>_mask.png` (all 0) for every image
 * reviewed as normal; `ground_truth/index.csv` maps image paths to masks and classes. A class
 * folder called "good" would clash with the normal images, so that class is written as "good_".
 */
export function exportMvtec(annotations: readonly Annotation[]): ExportFile[] {
  const kept = annotations.filter((a) => a.label === 'normal' ? a.status !== 'predicted' : exportRegions(a).length > 0);
  const names = stems(kept);
  const files: ExportFile[] = [];
  const index = ['image,mask,defect_type'];
  for (const a of kept) {
    const { width, height } = a.image;
    const name = names.get(a)!;
    const add = (folder: string, mask: Uint8Array): void => {
      for (let i = 0; i < mask.length; i++) mask[i] = mask[i] ? 255 : 0;
      const path = `ground_truth/${folder}/${name}_mask.png`;
      files.push({ path, bytes: encodeGrayPng(mask, width, height) });
      index.push(`${csv(a.image.path)},${csv(path)},${csv(folder)}`);
    };
    if (a.label === 'normal') {
      add('good', new Uint8Array(width * height));
      continue;
    }
    const regions = exportRegions(a);
    const classes = [...new Set(regions.map((r) => r.defectClass))];
    for (const cls of classes) {
      const folder = safeName(cls) === 'good' ? 'good_' : safeName(cls);
      add(folder, regionsToMask(regions, width, height, cls));
    }
  }
  files.push({ path: 'ground_truth/index.csv', bytes: enc.encode(`${index.join('\n')}\n`) });
  return files;
}

/** One row per image: the decision, who made it (status), classes and region count, the score. */
export function exportDecisions(annotations: readonly Annotation[]): ExportFile[] {
  const rows = ['image,label,status,classes,regions,score,threshold,model,decided_at'];
  for (const a of annotations) {
    const regions = exportRegions(a);
    const classes = [...new Set(regions.map((r) => r.defectClass))].join(';');
    const p = a.prediction;
    rows.push([
      csv(a.image.path), a.label, a.status, csv(classes), String(regions.length),
      p ? String(p.score) : '', p ? String(p.threshold) : '', p ? csv(p.modelId) : '', a.review?.decidedAt ?? '',
    ].join(','));
  }
  return [{ path: 'decisions.csv', bytes: enc.encode(`${rows.join('\n')}\n`) }];
}
