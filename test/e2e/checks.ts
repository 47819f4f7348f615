/** Reading what the extension wrote (annotation files, masks) and what the review editor shows (canvas pixels). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import type { Frame } from 'playwright-core';
import { repoRoot } from './codeServer';

export const ANNOTATIONS = '.anomaly-lens/annotations';

export type RleMask = { size: [number, number]; counts: number[] };

export interface AnnotationJson {
  status: string;
  label: string;
  image: { path: string; width: number; height: number };
  regions: { kind: string; id: string; defectClass: string; points?: number[]; rle?: RleMask }[];
  prediction?: { score: number; normalized: number; regions: AnnotationJson['regions'] };
  review?: unknown;
  updatedAt: string;
}

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/annotation.schema.json'), 'utf8')) as object;
export const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

export const annotationFile = (root: string, rel: string): string => path.join(root, ANNOTATIONS, `${rel}.json`);

/** The annotation of `rel`, checked against the JSON schema. */
export function readAnnotation(root: string, rel: string): AnnotationJson {
  const a = JSON.parse(readFileSync(annotationFile(root, rel), 'utf8')) as AnnotationJson;
  assert.ok(validate(a), `${rel}: ${JSON.stringify(validate.errors)}`);
  return a;
}

export function readAnnotationOrUndefined(root: string, rel: string): AnnotationJson | undefined {
  return existsSync(annotationFile(root, rel)) ? readAnnotation(root, rel) : undefined;
}

/** Is image pixel (x, y) set in a COCO uncompressed RLE (column-major, starting with 0s)? */
export function rleAt(rle: RleMask, x: number, y: number): boolean {
  const [h] = rle.size;
  const idx = x * h + y;
  let pos = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    pos += rle.counts[i];
    if (idx < pos) return i % 2 === 1;
  }
  return false;
}

/** Display-canvas RGBA at the centre of image pixel (x, y). */
export async function canvasPixel(f: Frame, x: number, y: number): Promise<number[]> {
  await f.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return f.evaluate(([ix, iy]) => {
    const app = (window as never as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toScreen(a: number, b: number): [number, number] } } }).__anomalyLens;
    const [sx, sy] = app.view.toScreen(ix + 0.5, iy + 0.5);
    const ratio = window.devicePixelRatio;
    return Array.from(app.view.canvas.getContext('2d')!.getImageData(Math.floor(sx * ratio), Math.floor(sy * ratio), 1, 1).data);
  }, [x, y] as [number, number]);
}

/** Linear VOI window (DICOM PS3.3 C.11.2.1.2) to 0..255. */
export function windowed(hu: number, center: number, width: number): number {
  const v = ((hu - (center - 0.5)) / (width - 1) + 0.5) * 255;
  return Math.max(0, Math.min(255, v));
}
