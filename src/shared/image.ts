/**
 * One decoded image value for every format. Pixel values are kept as stored (full bit depth);
 * display and model input are derived from them, never baked in.
 */
export type ImageFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'dicom';

export type SampleArray = Uint8Array | Uint16Array | Int16Array | Int32Array | Float32Array;

export interface ImageFrame {
  /** Interleaved samples, row-major, `channels` per pixel. */
  data: SampleArray;
}

/** A display window over modality values (DICOM VOI, or the full range elsewhere). */
export interface DisplayWindow {
  center: number;
  width: number;
  label?: string;
}

/**
 * A DICOM lookup table (PS3.3 C.11): input value `firstMapped + i` maps to `data[i]`; inputs below
 * or above the table take its first or last entry. Outputs are `bitsPerEntry`-bit unsigned values.
 */
export interface LookupTable {
  firstMapped: number;
  bitsPerEntry: number;
  data: Uint16Array;
  label?: string;
}

export interface ImageMetadata {
  modality?: string;
  rows?: number;
  columns?: number;
  pixelSpacing?: [number, number];
  photometricInterpretation?: string;
  transferSyntaxUid?: string;
  sopInstanceUid?: string;
  bitsStored?: number;
  signed?: boolean;
}

export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  /** Significant bits per sample as stored (8, 12, 16, ...). */
  bitDepth: number;
  frameCount: number;
  /** All frames, decoded. */
  frames: ImageFrame[];
  /** Modality value = stored * slope + intercept (DICOM rescale; 1 and 0 elsewhere). */
  rescale: { slope: number; intercept: number };
  /** Display windows over modality values; the first is the default. */
  windows: DisplayWindow[];
  /** MONOCHROME1: high values are dark. */
  invert: boolean;
  /**
   * DICOM VOI LUT Sequence (0028,3010), in file order. When present, a viewer may apply one of them to
   * modality values instead of a linear window; `windows` still holds a linear approximation.
   */
  voiLuts?: LookupTable[];
  /** DICOM Modality LUT Sequence (0028,3000): stored value -> modality value, replacing `rescale`. */
  modalityLut?: LookupTable;
  /** What the decoder repaired on the way (e.g. a short frame padded); shown to the user. */
  warnings?: string[];
  /** Non-identifying metadata only; patient tags never get here. */
  meta: ImageMetadata;
}
