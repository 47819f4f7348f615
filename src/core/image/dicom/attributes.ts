import type { DataSet, Element } from 'dicom-parser';

/** Small typed readers over dicom-parser's DataSet that tolerate absent or empty elements. */
export function num(ds: DataSet, tag: string, index = 0): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  const vr = el.vr;
  if (vr === 'DS' || vr === 'IS') return validNumber(ds.floatString(tag, index));
  if (vr === 'US') return ds.uint16(tag, index);
  if (vr === 'SS') return ds.int16(tag, index);
  if (vr === 'UL') return ds.uint32(tag, index);
  if (vr === 'SL') return ds.int32(tag, index);
  if (vr === 'FL') return ds.float(tag, index);
  if (vr === 'FD') return ds.double(tag, index);
  // Implicit VR: the caller knows the type; binary 2-byte values are the common case.
  if (el.length === 2 || (el.length % 2 === 0 && el.length <= 8 && !isText(ds, el))) return ds.uint16(tag, index);
  return validNumber(ds.floatString(tag, index));
}

/** Unsigned 16-bit value whatever the VR (implicit VR files give no VR). */
export function us(ds: DataSet, tag: string, index = 0): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2 * (index + 1)) return undefined;
  return ds.uint16(tag, index);
}

/** Decimal/integer string value (DS, IS), any of its backslash-separated values. */
export function decimals(ds: DataSet, tag: string): number[] {
  const s = ds.string(tag);
  if (!s) return [];
  return s.split('\\').map((v) => Number.parseFloat(v)).filter((v) => Number.isFinite(v));
}

export function str(ds: DataSet, tag: string): string | undefined {
  const s = ds.string(tag);
  return s === undefined ? undefined : s.replace(/\0/g, '').trim() || undefined;
}

export function strings(ds: DataSet, tag: string): string[] {
  const s = ds.string(tag);
  if (!s) return [];
  return s.split('\\').map((v) => v.replace(/\0/g, '').trim());
}

/** First item's data set of a sequence. */
export function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

export function items(ds: DataSet, tag: string): DataSet[] {
  return (ds.elements[tag]?.items ?? []).map((i) => i.dataSet).filter((d): d is DataSet => d !== undefined);
}

/** A view of an element's value bytes (no copy). */
export function valueBytes(ds: DataSet, el: Element): Uint8Array {
  const end = Math.min(el.dataOffset + el.length, ds.byteArray.length);
  return ds.byteArray.subarray(el.dataOffset, Math.max(el.dataOffset, end));
}

function validNumber(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

function isText(ds: DataSet, el: Element): boolean {
  const b = ds.byteArray;
  for (let i = el.dataOffset; i < el.dataOffset + el.length; i++) {
    const c = b[i];
    if (!((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x20 || c === 0x5c || c === 0x45 || c === 0x65)) return false;
  }
  return true;
}
