/**
 * DICOM SEG export: for every DICOM image with regions, `<image path without extension>.seg.dcm`,
 * a binary Segmentation with one segment per class present (in the configured class order),
 * rasterised like the PNG masks. Free of VS Code: the caller hands in how to read an image.
 */
import { createHash } from 'node:crypto';
import type { Annotation } from '../shared/annotation';
import { regionsToMask } from '../shared/regions';
import { buildDicomSeg, type SegSegment } from '../core/export/dicomSeg';
import { readDicomSourceRef } from '../core/image/dicom/sourceRef';
import { classesOf, exportRegions, type ExportFile } from './export';

export interface SegExportMeta {
  toolVersion: string;
  /** anomalyLens.defectClasses: segments follow this order, then any other class. */
  classes?: readonly string[];
  now?: Date;
  uid?: () => string;
}

export interface SegExport {
  files: ExportFile[];
  /** Images without a segmentation, and why ("not DICOM", "no regions", ...). */
  skipped: { path: string; reason: string }[];
}

export const segPath = (imagePath: string): string => `${imagePath.replace(/\.[^./]+$/, '')}.seg.dcm`;

/** The per-class masks of an annotation, classes without pixels left out. */
export function segSegments(a: Annotation, classes: readonly string[]): SegSegment[] {
  const regions = exportRegions(a);
  const { width, height } = a.image;
  return classes
    .filter((cls) => regions.some((r) => r.defectClass === cls))
    .map((cls) => ({ label: cls, mask: regionsToMask(regions, width, height, cls) }))
    .filter((s) => s.mask.some((v) => v !== 0));
}

export async function exportDicomSeg(
  annotations: readonly Annotation[],
  readImage: (imagePath: string) => Promise<Uint8Array>,
  meta: SegExportMeta,
): Promise<SegExport> {
  const classes = classesOf(annotations, meta.classes);
  const out: SegExport = { files: [], skipped: [] };
  const skip = (a: Annotation, reason: string): void => void out.skipped.push({ path: a.image.path, reason });
  for (const a of annotations) {
    if (a.image.format !== 'dicom') {
      skip(a, 'not DICOM');
      continue;
    }
    const segments = segSegments(a, classes);
    if (segments.length === 0) {
      skip(a, 'no regions');
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await readImage(a.image.path);
    } catch {
      skip(a, 'image not readable');
      continue;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== a.image.sha256) {
      skip(a, 'image changed since it was annotated');
      continue;
    }
    try {
      const source = readDicomSourceRef(bytes, a.image.frame, a.image.path);
      if (source.columns !== a.image.width || source.rows !== a.image.height) {
        skip(a, `image is ${source.columns}×${source.rows}, the annotation ${a.image.width}×${a.image.height}`);
        continue;
      }
      out.files.push({ path: segPath(a.image.path), bytes: buildDicomSeg(source, segments, meta) });
    } catch (e) {
      skip(a, e instanceof Error ? e.message : 'cannot be referenced');
    }
  }
  return out;
}
