import type { DataSet, Element, Fragment } from 'dicom-parser';
import { dicomError } from './errors';
import type { PixelEncoding } from './transferSyntax';

/**
 * Split encapsulated pixel data (PS3.5 A.4) into frames: Extended Offset Table, else Basic Offset
 * Table, else one fragment per frame, else all fragments for a single frame, else start-of-codestream
 * markers at fragment boundaries. Returns, for each frame, its fragments.
 */
export function splitFrames(ds: DataSet, el: Element, frameCount: number, encoding: PixelEncoding, file: string | undefined): Fragment[][] {
  const fragments = (el.fragments ?? []).filter((f) => f.length > 0);
  if (fragments.length === 0) {
    throw dicomError('DICOM_PIXEL_DATA_SHORT', 'the encapsulated Pixel Data has no fragments', file, 'the compressed pixel data is missing or truncated');
  }
  const extended = readExtendedOffsets(ds);
  const offsets = extended ?? (el.basicOffsetTable && el.basicOffsetTable.length > 0 ? el.basicOffsetTable : undefined);
  if (offsets && offsets.length >= frameCount) {
    return Array.from({ length: frameCount }, (_, i) => {
      const start = offsets[i];
      const end = i + 1 < offsets.length ? offsets[i + 1] : Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < end);
    }).map((frags, i) => {
      if (frags.length === 0) throw dicomError('DICOM_INVALID', `the offset table points frame ${i + 1} at no fragment`, file);
      return frags;
    });
  }
  if (frameCount === 1) return [fragments];
  if (fragments.length === frameCount) return fragments.map((f) => [f]);
  // No table and several fragments per frame: a new frame starts where a codestream starts.
  const frames: Fragment[][] = [];
  for (const f of fragments) {
    if (frames.length === 0 || (startsCodestream(ds.byteArray, f.position, encoding) && frames.length < frameCount)) frames.push([f]);
    else frames[frames.length - 1].push(f);
  }
  if (frames.length < frameCount) {
    throw dicomError('DICOM_PIXEL_DATA_SHORT', `the encapsulated Pixel Data holds ${frames.length} frame(s); Number of Frames says ${frameCount}`, file, 'the compressed pixel data is truncated');
  }
  return frames;
}

function startsCodestream(b: Uint8Array, p: number, encoding: PixelEncoding): boolean {
  switch (encoding) {
    case 'j2k':
    case 'htj2k':
      // J2K codestream SOC (FF 4F FF 51) or a JP2 signature box.
      return (b[p] === 0xff && b[p + 1] === 0x4f) || (b[p + 4] === 0x6a && b[p + 5] === 0x50 && b[p + 6] === 0x20);
    case 'rle':
      // RLE header: segment count 1..15 then first offset 64.
      return b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0 && b[p] >= 1 && b[p] <= 15 && b[p + 4] === 64 && b[p + 5] === 0;
    default:
      // JPEG family: SOI.
      return b[p] === 0xff && b[p + 1] === 0xd8;
  }
}

/** Extended Offset Table (7FE0,0001), 64-bit offsets; only when it fits in a double exactly. */
function readExtendedOffsets(ds: DataSet): number[] | undefined {
  const el = ds.elements.x7fe00001;
  if (!el || el.length < 8) return undefined;
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length);
  const out: number[] = [];
  for (let i = 0; i + 8 <= el.length; i += 8) out.push(Number(view.getBigUint64(i, true)));
  return out;
}

/** A frame's bytes: a view when it is a single fragment, a copy otherwise. */
export function frameBytes(ds: DataSet, frags: Fragment[]): Uint8Array {
  const b = ds.byteArray;
  if (frags.length === 1) return b.subarray(frags[0].position, Math.min(b.length, frags[0].position + frags[0].length));
  const total = frags.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const f of frags) {
    out.set(b.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}
