/**
 * The annotation file: one JSON document per image, the user's reviewed work.
 *
 * Written by the extension (review decisions) and by the CLI scan (predictions). The JSON Schema
 * below is the contract; `scripts/write-schema.ts` writes it to `schemas/annotation.schema.json`.
 * Validation needs a JSON Schema engine; src/shared imports nothing, so callers hand in an Ajv
 * instance through `createAnnotationValidator`.
 *
 * Only non-identifying facts about the image are stored (path, hash, size, frame, format):
 * there is deliberately no place for DICOM metadata, so patient tags cannot leak into it.
 */
import type { ImageFormat } from './image';
import { migrateAnnotationV1 } from './annotationMigrate';
import { anomalyExtent, checkRle, type AnomalyExtent, type Region } from './regions';

export type { Region, PolygonRegion, MaskRegion, RleMask } from './regions';

export const ANNOTATION_FORMAT_VERSION = 2;
export const ANNOTATION_SCHEMA_ID = 'https://anomaly-lens.dev/schemas/annotation-v2.json';

export type AnnotationLabel = 'normal' | 'anomalous';
/**
 * predicted: no human decision yet (the label comes from the model; `regions` is empty);
 * accepted: a human confirmed the image is anomalous and took the predicted regions as theirs;
 * rejected: a human marked the image normal;
 * corrected: a human marked it anomalous and edited the regions.
 */
export type AnnotationStatus = 'predicted' | 'accepted' | 'rejected' | 'corrected';

export interface AnnotationImage {
  /** Workspace-relative path with forward slashes. */
  path: string;
  sha256: string;
  width: number;
  height: number;
  /** Frame that was scored/annotated (0 for single-frame images). */
  frame: number;
  frameCount: number;
  format: ImageFormat;
}

export interface AnnotationPrediction {
  score: number;
  normalized: number;
  threshold: number;
  anomalous: boolean;
  modelId: string;
  backbone: string;
  predictedAt: string;
  /** Regions where the map reaches the pixel threshold: provenance, never exported as the answer. */
  regions: Region[];
  /**
   * For a flagged image: 'local' when regions mark the anomaly, 'global' when the image score
   * flagged it but no pixel reaches the pixel threshold ("global anomaly, no local region").
   * Absent for images not flagged and in annotations written before it existed.
   */
  extent?: AnomalyExtent;
}

export interface AnnotationReview {
  decidedAt: string;
  /** The image hash the decision was made on; differs from image.sha256 if the file changed since. */
  imageSha256: string;
}

export interface Annotation {
  $schema?: string;
  formatVersion: typeof ANNOTATION_FORMAT_VERSION;
  image: AnnotationImage;
  label: AnnotationLabel;
  status: AnnotationStatus;
  prediction: AnnotationPrediction | null;
  /** The reviewer's regions, each with its class: the answer that exports use. */
  regions: Region[];
  review: AnnotationReview | null;
  createdAt: string;
  updatedAt: string;
  toolVersion: string;
}

/** What the engine says about one image; ImageScore from src/core/api satisfies it. */
export interface PredictionInput {
  score: number;
  normalized: number;
  threshold: number;
  anomalous: boolean;
}

export interface ModelRef {
  id: string;
  backbone: string;
}

export interface BuildContext {
  now?: string;
  toolVersion: string;
  /** Class given to predicted regions a reviewer accepts as they are (the first configured class). */
  defaultClass?: string;
}

export const DEFAULT_DEFECT_CLASS = 'defect';

const nowIso = (ctx: BuildContext): string => ctx.now ?? new Date().toISOString();

/** Copies only the allowed image fields, so extra metadata handed in is never serialised. */
export function pickImageInfo(info: AnnotationImage): AnnotationImage {
  return {
    path: info.path,
    sha256: info.sha256,
    width: info.width,
    height: info.height,
    frame: info.frame,
    frameCount: info.frameCount,
    format: info.format,
  };
}

function cloneRegions(regions: readonly Region[], defectClass?: string): Region[] {
  return regions.map((r) => {
    const cls = defectClass ?? r.defectClass;
    return r.kind === 'polygon'
      ? { kind: 'polygon', id: r.id, defectClass: cls, points: [...r.points] }
      : { kind: 'mask', id: r.id, defectClass: cls, rle: { size: [r.rle.size[0], r.rle.size[1]], counts: [...r.rle.counts] } };
  });
}

/** A fresh annotation holding only the model's view of an image (no reviewed regions yet). */
export function predictedAnnotation(
  score: PredictionInput,
  image: AnnotationImage,
  model: ModelRef,
  ctx: BuildContext,
  regions: readonly Region[] = [],
): Annotation {
  const at = nowIso(ctx);
  const prediction: AnnotationPrediction = {
    score: score.score,
    normalized: score.normalized,
    threshold: score.threshold,
    anomalous: score.anomalous,
    modelId: model.id,
    backbone: model.backbone,
    predictedAt: at,
    regions: cloneRegions(regions),
  };
  const extent = anomalyExtent(score.anomalous, regions.length);
  if (extent) prediction.extent = extent;
  return {
    $schema: ANNOTATION_SCHEMA_ID,
    formatVersion: ANNOTATION_FORMAT_VERSION,
    image: pickImageInfo(image),
    label: score.anomalous ? 'anomalous' : 'normal',
    status: 'predicted',
    prediction,
    regions: [],
    review: null,
    createdAt: at,
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

/** A human decision on an image the model has not scored (no prediction). */
export function reviewedAnnotation(
  image: AnnotationImage,
  decision: { label: AnnotationLabel; regions?: readonly Region[] },
  ctx: BuildContext,
): Annotation {
  const at = nowIso(ctx);
  const regions = decision.label === 'anomalous' ? cloneRegions(decision.regions ?? []) : [];
  return {
    $schema: ANNOTATION_SCHEMA_ID,
    formatVersion: ANNOTATION_FORMAT_VERSION,
    image: pickImageInfo(image),
    label: decision.label,
    status: decision.label === 'normal' ? 'rejected' : regions.length ? 'corrected' : 'accepted',
    prediction: null,
    regions,
    review: { decidedAt: at, imageSha256: image.sha256 },
    createdAt: at,
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

export const hasHumanDecision = (a: Annotation): boolean => a.status !== 'predicted';

/**
 * A rescan result merged into an existing annotation. The prediction and image facts are
 * replaced; a human decision (label, status, regions, review) is kept as it is.
 */
export function mergeRescan(existing: Annotation, fresh: Annotation): Annotation {
  if (!hasHumanDecision(existing)) {
    return { ...fresh, createdAt: existing.createdAt };
  }
  return {
    ...existing,
    $schema: ANNOTATION_SCHEMA_ID,
    image: pickImageInfo(fresh.image),
    prediction: fresh.prediction,
    regions: cloneRegions(existing.regions),
    review: existing.review ? { ...existing.review } : null,
    updatedAt: fresh.updatedAt,
    toolVersion: fresh.toolVersion,
  };
}

/**
 * Accept: the image is anomalous. The reviewer's regions stay; with none, the predicted regions
 * become the reviewer's, in the default class.
 */
export function acceptAnnotation(a: Annotation, ctx: BuildContext): Annotation {
  const at = nowIso(ctx);
  const regions = a.regions.length > 0
    ? cloneRegions(a.regions)
    : cloneRegions(a.prediction?.regions ?? [], ctx.defaultClass ?? DEFAULT_DEFECT_CLASS);
  return {
    ...a,
    label: 'anomalous',
    status: a.status === 'corrected' ? 'corrected' : 'accepted',
    regions,
    review: { decidedAt: at, imageSha256: a.image.sha256 },
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

/** Reject (mark normal): no regions remain; the prediction stays for the record. */
export function rejectAnnotation(a: Annotation, ctx: BuildContext): Annotation {
  const at = nowIso(ctx);
  return {
    ...a,
    label: 'normal',
    status: 'rejected',
    regions: [],
    review: { decidedAt: at, imageSha256: a.image.sha256 },
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

/** Human-edited regions: the image is anomalous when any region remains, normal otherwise. */
export function correctAnnotation(a: Annotation, regions: readonly Region[], ctx: BuildContext): Annotation {
  const at = nowIso(ctx);
  const anomalous = regions.length > 0;
  return {
    ...a,
    label: anomalous ? 'anomalous' : 'normal',
    status: anomalous ? 'corrected' : 'rejected',
    regions: cloneRegions(regions),
    review: { decidedAt: at, imageSha256: a.image.sha256 },
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

/** Clears a human decision: back to the model's view. */
export function resetAnnotation(a: Annotation, ctx: BuildContext): Annotation {
  const at = nowIso(ctx);
  const p = a.prediction;
  return {
    ...a,
    label: p?.anomalous ? 'anomalous' : 'normal',
    status: 'predicted',
    regions: [],
    review: null,
    updatedAt: at,
    toolVersion: ctx.toolVersion,
  };
}

// ---------------------------------------------------------------- JSON Schema (draft-07)

const nonNegInt = { type: 'integer', minimum: 0 } as const;
const isoTime = { type: 'string', minLength: 10, maxLength: 40 } as const;

const rleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['size', 'counts'],
  properties: {
    size: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
    counts: { type: 'array', items: nonNegInt },
  },
} as const;

const regionBase = {
  id: { type: 'string', minLength: 1, maxLength: 200 },
  defectClass: { type: 'string', minLength: 1, maxLength: 200 },
} as const;

const regionSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'defectClass', 'kind', 'points'],
      properties: {
        ...regionBase,
        kind: { const: 'polygon' },
        points: { description: 'flat [x0, y0, x1, y1, ...] in image pixels', type: 'array', minItems: 6, items: { type: 'number' } },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'defectClass', 'kind', 'rle'],
      properties: { ...regionBase, kind: { const: 'mask' }, rle: { $ref: '#/definitions/rle' } },
    },
  ],
} as const;

export const ANNOTATION_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: ANNOTATION_SCHEMA_ID,
  title: 'Anomaly Lens annotation',
  description: 'One reviewed (or predicted) image: label, status, scores and regions in image pixel coordinates.',
  type: 'object',
  additionalProperties: false,
  required: ['formatVersion', 'image', 'label', 'status', 'prediction', 'regions', 'review', 'createdAt', 'updatedAt', 'toolVersion'],
  definitions: { rle: rleSchema, region: regionSchema },
  properties: {
    $schema: { type: 'string' },
    formatVersion: { const: ANNOTATION_FORMAT_VERSION, description: 'Format 1 files are still read (migrated on read); saves write this version.' },
    image: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'sha256', 'width', 'height', 'frame', 'frameCount', 'format'],
      properties: {
        path: { type: 'string', minLength: 1, maxLength: 4096 },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        width: { type: 'integer', minimum: 1 },
        height: { type: 'integer', minimum: 1 },
        frame: nonNegInt,
        frameCount: { type: 'integer', minimum: 1 },
        format: { enum: ['png', 'jpeg', 'tiff', 'bmp', 'dicom'] },
      },
    },
    label: { enum: ['normal', 'anomalous'] },
    status: { enum: ['predicted', 'accepted', 'rejected', 'corrected'] },
    prediction: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['score', 'normalized', 'threshold', 'anomalous', 'modelId', 'backbone', 'predictedAt', 'regions'],
          properties: {
            score: { type: 'number' },
            normalized: { type: 'number', minimum: 0, maximum: 1 },
            threshold: { type: 'number' },
            anomalous: { type: 'boolean' },
            modelId: { type: 'string', minLength: 1 },
            backbone: { type: 'string', minLength: 1 },
            predictedAt: isoTime,
            regions: { type: 'array', items: { $ref: '#/definitions/region' } },
            extent: { enum: ['local', 'global'] },
          },
        },
      ],
    },
    regions: { type: 'array', items: { $ref: '#/definitions/region' } },
    review: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['decidedAt', 'imageSha256'],
          properties: { decidedAt: isoTime, imageSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      ],
    },
    createdAt: isoTime,
    updatedAt: isoTime,
    toolVersion: { type: 'string', minLength: 1 },
  },
} as const;

// ---------------------------------------------------------------- validation

/** The slice of Ajv this module needs (so src/shared stays free of imports). */
export interface SchemaCompiler {
  compile(schema: object): SchemaValidateFn;
}
export interface SchemaValidateFn {
  (data: unknown): boolean;
  errors?: { instancePath?: string; message?: string }[] | null;
}

export type AnnotationCheck = { ok: true; value: Annotation } | { ok: false; problems: string[] };

/** Schema plus the rules a schema cannot say (status ↔ label ↔ review consistency, RLE sums). */
export function createAnnotationValidator(compiler: SchemaCompiler): (data: unknown) => AnnotationCheck {
  const validate = compiler.compile(ANNOTATION_SCHEMA);
  return (raw) => {
    // Older files are read through a migration; the next save writes the current version.
    const data = migrateAnnotationV1(raw);
    if (!validate(data)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
      return { ok: false, problems: problems.length ? problems : ['does not match the annotation schema'] };
    }
    const a = data as Annotation;
    const problems = semanticProblems(a);
    return problems.length ? { ok: false, problems } : { ok: true, value: a };
  };
}

function semanticProblems(a: Annotation): string[] {
  const out: string[] = [];
  if (a.status === 'predicted' && a.review !== null) out.push('/review must be null while status is "predicted"');
  if (a.status !== 'predicted' && a.review === null) out.push(`/review is required for status "${a.status}"`);
  if (a.status === 'predicted' && a.prediction === null) out.push('/prediction is required for status "predicted"');
  if (a.status === 'rejected' && a.label !== 'normal') out.push('/label must be "normal" for status "rejected"');
  if (a.status === 'predicted' && a.regions.length > 0) out.push('/regions must be empty while status is "predicted" (the model\'s regions live in /prediction/regions)');
  if ((a.status === 'accepted' || a.status === 'corrected') && a.label !== 'anomalous') {
    out.push(`/label must be "anomalous" for status "${a.status}"`);
  }
  const checkRegions = (regions: Region[], where: string): void => {
    regions.forEach((r, i) => {
      if (r.kind === 'polygon') {
        if (r.points.length % 2 !== 0) out.push(`${where}/${i}/points has an odd number of coordinates`);
        return;
      }
      const why = checkRle(r.rle, a.image.width, a.image.height);
      if (why) out.push(`${where}/${i}/rle: ${why}`);
    });
  };
  checkRegions(a.regions, '/regions');
  if (a.prediction) checkRegions(a.prediction.regions, '/prediction/regions');
  return out;
}

// ---------------------------------------------------------------- where files go

export const DEFAULT_ANNOTATION_FOLDER = '.anomaly-lens/annotations';

/** `<folder>/<image path>.json`, workspace-relative with forward slashes. */
export function annotationRelPath(imageRelPath: string, folder: string = DEFAULT_ANNOTATION_FOLDER): string {
  const clean = imageRelPath.replace(/\\/g, '/').replace(/^\/+/, '');
  if (clean.split('/').some((seg) => seg === '..')) {
    throw new Error(`image path "${imageRelPath}" leaves the workspace folder`);
  }
  return `${folder.replace(/\\/g, '/').replace(/\/+$/, '')}/${clean}.json`;
}

/** The inverse of annotationRelPath, or undefined for files that are not annotations (temp files). */
export function imageRelPathOf(annotationPath: string, folder: string = DEFAULT_ANNOTATION_FOLDER): string | undefined {
  const prefix = `${folder.replace(/\\/g, '/').replace(/\/+$/, '')}/`;
  const p = annotationPath.replace(/\\/g, '/');
  if (!p.startsWith(prefix) || !p.endsWith('.json')) return undefined;
  return p.slice(prefix.length, -'.json'.length);
}

/** Stable text for an annotation file (2-space JSON, trailing newline). */
export function serializeAnnotation(a: Annotation): string {
  return `${JSON.stringify(a, null, 2)}\n`;
}
