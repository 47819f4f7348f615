/**
 * What a derived object (a DICOM Segmentation) needs from its source image to reference it: the
 * instance, series and study UIDs, the frame of reference and the geometry of one frame. Patient
 * and study descriptive attributes are deliberately not read, so they cannot reach an output.
 */
import type { DataSet } from 'dicom-parser';
import { decimals, firstItem, items, str, us } from './attributes';
import { dicomError } from './errors';
import { parseDicomBytes } from './parse';

export interface DicomSourceRef {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  rows: number;
  columns: number;
  /** Number of Frames of the source (1 for single-frame objects). */
  frameCount: number;
  /** The 0-based frame this reference describes (its geometry below is that frame's). */
  frame: number;
  /** Row spacing \ column spacing in mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  imagePosition?: [number, number, number];
  imageOrientation?: [number, number, number, number, number, number];
}

const PER_FRAME = 'x52009230';
const SHARED = 'x52009229';

/** An attribute of a frame: the top level, else the frame's functional group, else the shared one. */
function frameValues(ds: DataSet, frame: number, group: string, tag: string): number[] {
  const top = decimals(ds, tag);
  if (top.length) return top;
  for (const holder of [items(ds, PER_FRAME)[frame], firstItem(ds, SHARED)]) {
    const values = holder ? decimals(firstItem(holder, group) ?? holder, tag) : [];
    if (values.length) return values;
  }
  return [];
}

const tuple = <T extends number[]>(v: number[], n: number): T | undefined => (v.length >= n ? (v.slice(0, n) as T) : undefined);

/** Reads the reference of `frame` (0-based) of a DICOM file; throws when the file cannot be referenced. */
export function readDicomSourceRef(bytes: Uint8Array, frame: number, file?: string): DicomSourceRef {
  const { dataSet: ds } = parseDicomBytes(bytes, file, 2 ** 30);
  const uid = (tag: string, name: string): string => {
    const v = str(ds, tag);
    if (!v) throw dicomError('DICOM_INVALID', `${name} (${tag.slice(1, 5)},${tag.slice(5)}) is missing, so the image cannot be referenced`, file);
    return v;
  };
  const rows = us(ds, 'x00280010');
  const columns = us(ds, 'x00280011');
  if (!rows || !columns) throw dicomError('DICOM_INVALID', 'Rows (0028,0010) or Columns (0028,0011) is missing', file);
  const frameCount = Math.max(1, Math.floor(decimals(ds, 'x00280008')[0] ?? 1));
  if (frame < 0 || frame >= frameCount) throw dicomError('DICOM_INVALID', `frame ${frame + 1} is outside the image's ${frameCount} frame(s)`, file);
  const thickness = frameValues(ds, frame, 'x00289110', 'x00180050')[0];
  return {
    sopClassUid: uid('x00080016', 'SOP Class UID'),
    sopInstanceUid: uid('x00080018', 'SOP Instance UID'),
    studyInstanceUid: uid('x0020000d', 'Study Instance UID'),
    seriesInstanceUid: uid('x0020000e', 'Series Instance UID'),
    frameOfReferenceUid: str(ds, 'x00200052'),
    rows,
    columns,
    frameCount,
    frame,
    pixelSpacing: tuple(frameValues(ds, frame, 'x00289110', 'x00280030'), 2),
    sliceThickness: thickness !== undefined && thickness > 0 ? thickness : undefined,
    imagePosition: tuple(frameValues(ds, frame, 'x00209113', 'x00200032'), 3),
    imageOrientation: tuple(frameValues(ds, frame, 'x00209116', 'x00200037'), 6),
  };
}
