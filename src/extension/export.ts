/**
 * Annotation export: COCO JSON (polygons, and uncompressed RLE for masks) and LabelMe JSON (one
 * file per image); exportMasks.ts writes PNG masks and the decisions CSV, exportSeg.ts DICOM
 * Segmentations. Pure: returns files
 * (relative path → bytes) for the caller to write, so it is tested without VS Code.
 *
 * Exports carry the reviewer's regions and classes (`regions`); the model's prediction is
 * provenance and only stands in for images nobody has reviewed, when those are included.
 */
import { PNG } from 'pngjs';
import type { Annotation, Region } from '../shared/annotation';
import { decodeRle, polygonArea, rleArea } from '../shared/regions';

export interface ExportFile {
  path: string;
  bytes: Uint8Array;
}

export type ExportFormat = 'coco' | 'labelme' | 'mvtec' | 'csv' | 'seg';

export interface ExportScope {
  /** Include images without a human decision (their predicted regions). */
  includePredicted: boolean;
}

const enc = new TextEncoder();
const json = (v: unknown): Uint8Array => enc.encode(`${JSON.stringify(v, null, 2)}\n`);

/** The regions an export writes for an image: the reviewer's, or the model's for an unreviewed image. */
export function exportRegions(a: Annotation): Region[] {
  return a.status === 'predicted' ? (a.prediction?.regions ?? []) : a.regions;
}

export function selectForExport(annotations: readonly Annotation[], scope: ExportScope): Annotation[] {
  return annotations
    .filter((a) => scope.includePredicted || a.status !== 'predicted')
    .sort((a, b) => (a.image.path < b.image.path ? -1 : a.image.path > b.image.path ? 1 : 0));
}

/** The configured classes in their order, then any other class found in the regions (stable ids). */
export function classesOf(annotations: readonly Annotation[], configured: readonly string[] = []): string[] {
  const seen = new Set<string>(configured);
  for (const a of annotations) for (const r of exportRegions(a)) seen.add(r.defectClass);
  return [...seen];
}

function polygonBbox(points: readonly number[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    x0 = Math.min(x0, points[i]);
    x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    y1 = Math.max(y1, points[i + 1]);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

export function maskBbox(mask: Uint8Array, width: number, height: number): [number, number, number, number] | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? undefined : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

// ---------------------------------------------------------------- COCO

export interface CocoDataset {
  info: { description: string; version: string; date_created: string };
  images: { id: number; file_name: string; width: number; height: number; anomaly_label: string; review_status: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    segmentation: number[][] | { size: [number, number]; counts: number[] };
    area: number;
    bbox: [number, number, number, number];
    iscrowd: 0;
  }[];
  categories: { id: number; name: string; supercategory: string }[];
}

/** COCO: polygons as `[[x0,y0,...]]`, masks as uncompressed RLE (column-major, COCO's own order). */
export interface ExportMeta {
  toolVersion: string;
  now?: string;
  /** anomalyLens.defectClasses: every one becomes a COCO category, in this order. */
  classes?: readonly string[];
}

export function toCoco(annotations: readonly Annotation[], meta: ExportMeta): CocoDataset {
  const classes = classesOf(annotations, meta.classes);
  const catId = new Map(classes.map((c, i) => [c, i + 1]));
  const out: CocoDataset = {
    info: { description: 'Anomaly Lens export', version: meta.toolVersion, date_created: meta.now ?? new Date().toISOString() },
    images: [],
    annotations: [],
    categories: classes.map((name, i) => ({ id: i + 1, name, supercategory: 'defect' })),
  };
  annotations.forEach((a, i) => {
    const imageId = i + 1;
    const { width, height } = a.image;
    out.images.push({ id: imageId, file_name: a.image.path, width, height, anomaly_label: a.label, review_status: a.status });
    for (const r of exportRegions(a)) {
      const category_id = catId.get(r.defectClass) ?? 0;
      if (r.kind === 'polygon') {
        out.annotations.push({
          id: out.annotations.length + 1, image_id: imageId, category_id,
          segmentation: [[...r.points]], area: polygonArea(r.points), bbox: polygonBbox(r.points), iscrowd: 0,
        });
      } else {
        const bbox = maskBbox(decodeRle(r.rle), r.rle.size[1], r.rle.size[0]);
        if (!bbox) continue; // an empty mask is no annotation
        out.annotations.push({
          id: out.annotations.length + 1, image_id: imageId, category_id,
          segmentation: { size: [r.rle.size[0], r.rle.size[1]], counts: [...r.rle.counts] }, area: rleArea(r.rle), bbox, iscrowd: 0,
        });
      }
    }
  });
  return out;
}

export function exportCoco(annotations: readonly Annotation[], meta: ExportMeta): ExportFile[] {
  return [{ path: 'annotations.coco.json', bytes: json(toCoco(annotations, meta)) }];
}

// ---------------------------------------------------------------- LabelMe

export interface LabelMeShape {
  label: string;
  points: [number, number][];
  group_id: null;
  description: string;
  shape_type: 'polygon' | 'mask';
  flags: Record<string, never>;
  /** Base64 PNG of the mask inside the two-point box (shape_type 'mask', LabelMe ≥ 5.3). */
  mask?: string;
}

export interface LabelMeFile {
  version: string;
  flags: { anomalous: boolean };
  shapes: LabelMeShape[];
  imagePath: string;
  imageData: null;
  imageHeight: number;
  imageWidth: number;
}

export function encodeGrayPng(data: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 }));
}

function labelMeShape(r: Region, width: number, height: number): LabelMeShape | undefined {
  const base = { label: r.defectClass, group_id: null, description: r.id, flags: {} };
  if (r.kind === 'polygon') {
    const points: [number, number][] = [];
    for (let i = 0; i + 1 < r.points.length; i += 2) points.push([r.points[i], r.points[i + 1]]);
    return { ...base, shape_type: 'polygon', points };
  }
  const full = decodeRle(r.rle);
  const box = maskBbox(full, width, height);
  if (!box) return undefined;
  const [bx, by, bw, bh] = box;
  const crop = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) crop[y * bw + x] = full[(by + y) * width + bx + x] ? 255 : 0;
  const mask = Buffer.from(encodeGrayPng(crop, bw, bh)).toString('base64');
  return { ...base, shape_type: 'mask', points: [[bx, by], [bx + bw - 1, by + bh - 1]], mask };
}

/** One LabelMe JSON per image at `<image path>.json` under the export folder. */
export function exportLabelMe(
  annotations: readonly Annotation[],
  imagePathFromJson: (jsonRelPath: string, imageRelPath: string) => string,
): ExportFile[] {
  return annotations.map((a) => {
    const path = `${a.image.path.replace(/\.[^./]+$/, '')}.json`;
    const file: LabelMeFile = {
      version: '5.4.1',
      flags: { anomalous: a.label === 'anomalous' },
      shapes: exportRegions(a).map((r) => labelMeShape(r, a.image.width, a.image.height)).filter((s): s is LabelMeShape => !!s),
      imagePath: imagePathFromJson(path, a.image.path),
      imageData: null,
      imageHeight: a.image.height,
      imageWidth: a.image.width,
    };
    return { path, bytes: json(file) };
  });
}
