import type { DataSet, Element } from 'dicom-parser';
import { decimals, str, us } from './attributes';
import { dicomError } from './errors';

/** The Image Pixel module (PS3.3 C.7.6.3) as far as decoding needs it. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  planar: boolean;
  frameCount: number;
  /** Which pixel data element carries the pixels. */
  pixelTag: 'x7fe00010' | 'x7fe00008' | 'x7fe00009';
  pixelElement: Element;
}

const PIXEL_TAGS = ['x7fe00010', 'x7fe00008', 'x7fe00009'] as const;

export function findPixelElement(ds: DataSet): { tag: (typeof PIXEL_TAGS)[number]; element: Element } | undefined {
  for (const tag of PIXEL_TAGS) {
    const element = ds.elements[tag];
    if (element) return { tag, element };
  }
  return undefined;
}

export function readPixelModule(ds: DataSet, file: string | undefined): PixelModule {
  const found = findPixelElement(ds);
  if (!found) {
    throw dicomError('DICOM_NO_PIXEL_DATA', 'the data set has no Pixel Data (7FE0,0010): it is not an image (e.g. a structured report, RT plan or waveform)', file, 'only image objects can be opened');
  }
  const rows = us(ds, 'x00280010');
  const columns = us(ds, 'x00280011');
  if (rows === undefined || columns === undefined) {
    throw dicomError('DICOM_INVALID', 'Rows (0028,0010) or Columns (0028,0011) is missing', file, 'the image pixel module is incomplete; re-export the file');
  }
  if (rows === 0 || columns === 0) {
    throw dicomError('IMAGE_EMPTY', `the image is ${columns}x${rows} pixels`, file);
  }
  const isFloat = found.tag !== 'x7fe00010';
  const bitsAllocated = us(ds, 'x00280100') ?? (found.tag === 'x7fe00009' ? 64 : found.tag === 'x7fe00008' ? 32 : undefined);
  if (bitsAllocated === undefined) {
    throw dicomError('DICOM_INVALID', 'Bits Allocated (0028,0100) is missing', file, 'the image pixel module is incomplete; re-export the file');
  }
  if (![1, 8, 16, 32, 64].includes(bitsAllocated) || (bitsAllocated === 64 && !isFloat)) {
    throw dicomError('DICOM_INVALID', `Bits Allocated is ${bitsAllocated}; only 1, 8, 16 and 32 are defined for integer pixels`, file);
  }
  let bitsStored = us(ds, 'x00280101') ?? bitsAllocated;
  if (bitsStored === 0 || bitsStored > bitsAllocated) bitsStored = bitsAllocated;
  let highBit = us(ds, 'x00280102') ?? bitsStored - 1;
  if (highBit >= bitsAllocated || highBit < bitsStored - 1) highBit = bitsStored - 1;
  const samplesPerPixel = us(ds, 'x00280002') ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw dicomError('DICOM_INVALID', `Samples per Pixel is ${samplesPerPixel}; only 1 and 3 are supported`, file);
  }
  const defaultPhotometric = samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2';
  const photometric = (str(ds, 'x00280004') ?? defaultPhotometric).toUpperCase();
  const frames = decimals(ds, 'x00280008')[0];
  const frameCount = frames !== undefined && frames >= 1 ? Math.floor(frames) : 1;
  return {
    rows,
    columns,
    samplesPerPixel,
    photometric,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: (us(ds, 'x00280103') ?? 0) === 1,
    planar: samplesPerPixel > 1 && (us(ds, 'x00280006') ?? 0) === 1,
    frameCount,
    pixelTag: found.tag,
    pixelElement: found.element,
  };
}
