/**
 * DICOM series stacks: the files of one series (same Series Instance UID) in one folder, ordered
 * by Instance Number, then by Image Position (Patient) along the slice normal, then by name.
 * Only the header is read (parsing stops at Pixel Data), so a stack of hundreds of files costs
 * a few kilobytes each.
 */
import dicomParser, { type DataSet } from 'dicom-parser';
import { decimals, num, str } from './attributes';
import { hasPreamble } from './parse';

/** Bytes read from the start of each file for its header. */
export const SERIES_HEADER_BYTES = 64 * 1024;

export interface SeriesHeader {
  seriesUid: string;
  instanceNumber?: number;
  /** Image Position (Patient), mm. */
  position?: [number, number, number];
  /** Image Orientation (Patient): row and column direction cosines. */
  orientation?: [number, number, number, number, number, number];
  frames: number;
}

export interface SeriesMember {
  name: string;
  header: SeriesHeader;
}

/**
 * The series fields of a Part 10 file from its first bytes (the whole file or a prefix that
 * reaches Pixel Data). Undefined for anything else: not DICOM, no Series Instance UID, a header
 * longer than the prefix, deflated data sets.
 */
export function readSeriesHeader(bytes: Uint8Array): SeriesHeader | undefined {
  if (!hasPreamble(bytes)) return undefined;
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
  } catch {
    return undefined;
  }
  const seriesUid = str(ds, 'x0020000e');
  if (!seriesUid) return undefined;
  const pos = decimals(ds, 'x00200032');
  const ori = decimals(ds, 'x00200037');
  return {
    seriesUid,
    instanceNumber: num(ds, 'x00200013'),
    position: pos.length === 3 ? [pos[0], pos[1], pos[2]] : undefined,
    orientation: ori.length === 6 ? [ori[0], ori[1], ori[2], ori[3], ori[4], ori[5]] : undefined,
    frames: Math.max(1, Math.floor(num(ds, 'x00280008') ?? 1)),
  };
}

/** Distance along the slice normal (row × column cosines), else the z coordinate. */
function sliceLocation(h: SeriesHeader): number | undefined {
  const p = h.position;
  if (!p) return undefined;
  const o = h.orientation;
  if (!o) return p[2];
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  return p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
}

function compareDefined(a: number | undefined, b: number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

/** Stack order: Instance Number, then position along the normal, then file name. */
export function orderSeries(members: readonly SeriesMember[]): SeriesMember[] {
  return [...members].sort((a, b) =>
    compareDefined(a.header.instanceNumber, b.header.instanceNumber)
    || compareDefined(sliceLocation(a.header), sliceLocation(b.header))
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The ordered names of the series `name` belongs to, when it has at least two single-frame files;
 * undefined otherwise (a multi-frame file steps through its own frames).
 */
export function seriesStack(members: readonly SeriesMember[], name: string): string[] | undefined {
  const self = members.find((m) => m.name === name);
  if (!self || self.header.frames > 1) return undefined;
  const same = members.filter((m) => m.header.seriesUid === self.header.seriesUid && m.header.frames === 1);
  return same.length >= 2 ? orderSeries(same).map((m) => m.name) : undefined;
}
