/**
 * Reading annotation files of format 1. In format 1 a predicted annotation copied the model's
 * regions into `regions`, and a correction could keep the model's region next to the reviewer's.
 * Format 2 keeps the model's regions only under `prediction.regions` (provenance) and `regions`
 * holds the reviewer's answer. Files are migrated in memory on read; the next save writes format 2.
 */
const V2_SCHEMA_ID = 'https://anomaly-lens.dev/schemas/annotation-v2.json';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Same shape and geometry (ids and classes aside). */
function sameGeometry(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b) || a.kind !== b.kind) return false;
  if (a.kind === 'polygon') return JSON.stringify(a.points) === JSON.stringify(b.points);
  return JSON.stringify(a.rle) === JSON.stringify(b.rle);
}

/** A format-1 annotation as format 2; anything else is returned unchanged (the validator judges it). */
export function migrateAnnotationV1(data: unknown): unknown {
  if (!isObject(data) || data.formatVersion !== 1) return data;
  const out: Json = { ...data, formatVersion: 2 };
  if (typeof data.$schema === 'string') out.$schema = V2_SCHEMA_ID;
  const regions = Array.isArray(data.regions) ? data.regions : [];
  const predicted = isObject(data.prediction) && Array.isArray(data.prediction.regions) ? data.prediction.regions : [];
  if (data.status === 'predicted') {
    out.regions = [];
  } else if (data.status === 'corrected') {
    // The model's untouched region next to the reviewer's own: the reviewer's regions are the answer.
    const own = regions.filter((r) => !predicted.some((p) => sameGeometry(p, r)));
    if (own.length > 0) out.regions = own;
  }
  return out;
}
