export interface DecodeOptions {
  /** Shown in errors; never used to read the file. */
  path?: string;
  /** Images with more pixels than this are refused (IMAGE_TOO_LARGE). */
  maxPixels: number;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
