/**
 * Tile geometry: whether an image is cut into tiles, at what scale, and where each tile sits.
 * Squashing a 4096×256 line scan to 224×224 shrinks it 18× along its length, so a defect a few
 * pixels wide falls below one patch; tiles keep the texture near its native scale.
 */
import { AnomalyLensError } from '../../shared/errors';
import type { TileGeometry, TileSetting } from '../../shared/model';

/** A tile's region in original image pixels (integer, inside the image). */
export interface TileRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a tile's features came from: its region and the geometry that cut it. */
export interface TilePlacement {
  region: TileRegion;
  geometry: TileGeometry;
  /** Fraction of the tile the patch grid's cell centres cover, centred (1: the whole tile). */
  span: number;
}

/** Long side / short side from which an image counts as elongated and is tiled. */
export const ELONGATED_ASPECT = 2;
/** Short side, in input sides, from which a near-square image counts as large and is tiled. */
export const LARGE_SIDES = 8;
/** A large image is cut into at most this many tiles across its short side (overlap aside). */
export const MAX_TILES_ACROSS = 8;
/** Neighbouring tiles share this fraction of a tile: the blend in the overlap hides seams. */
export const OVERLAP_FRACTION = 0.25;

/** A tile of `tile` source pixels with the default overlap. */
export function geometryForTile(tile: number, inputSide: number): TileGeometry {
  if (!(Number.isInteger(tile) && tile >= 32)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `tile size must be an integer of at least 32 pixels, got ${tile}`, { hint: 'use auto, off or a size such as 256' });
  }
  return { tile, overlap: Math.round(tile * OVERLAP_FRACTION), scale: tile / inputSide };
}

/**
 * The automatic rule. Ordinary near-square images (MVTec-like, up to 8 input sides) are not
 * tiled, so their results do not change. Elongated images get tiles as tall as their short side
 * (native scale when that side is near the input); large images get tiles of at least the input
 * side, at most MAX_TILES_ACROSS across.
 */
export function autoGeometry(width: number, height: number, inputSide: number): TileGeometry | undefined {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (long / short >= ELONGATED_ASPECT) {
    const tile = short <= 2 * inputSide ? short : Math.max(inputSide, Math.ceil(short / MAX_TILES_ACROSS));
    return geometryForTile(Math.max(32, tile), inputSide);
  }
  if (short >= LARGE_SIDES * inputSide) return geometryForTile(Math.max(inputSide, Math.ceil(short / MAX_TILES_ACROSS)), inputSide);
  return undefined;
}

/** The geometry a setting gives for an image of this size (undefined: resize the whole image). */
export function chooseGeometry(setting: TileSetting, width: number, height: number, inputSide: number): TileGeometry | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'auto') return autoGeometry(width, height, inputSide);
  return geometryForTile(setting, inputSide);
}

/** Parses 'auto', 'off' or a tile side in pixels (CLI and extension setting). */
export function parseTileSetting(text: string): TileSetting {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'off') return t;
  const n = Number(t);
  if (!/^\d+$/.test(t) || !(n >= 32)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `tiling must be auto, off or a tile size of at least 32 pixels, got '${text}'`);
  }
  return n;
}

/** Start positions along one axis: evenly spread, first at 0, last flush with the end, neighbours overlapping at least `overlap`. */
export function axisStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(1, tile - overlap);
  const n = Math.ceil((length - tile) / step) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** The tiles covering an image, row by row; a side shorter than the tile gets one tile of its full length. */
export function planTiles(width: number, height: number, g: TileGeometry): TileRegion[] {
  const tw = Math.min(g.tile, width);
  const th = Math.min(g.tile, height);
  const out: TileRegion[] = [];
  for (const y of axisStarts(height, g.tile, g.overlap)) {
    for (const x of axisStarts(width, g.tile, g.overlap)) out.push({ x, y, width: tw, height: th });
  }
  return out;
}

/** One line for logs and the CLI. */
export function describeGeometry(g: TileGeometry | undefined, width?: number, height?: number): string {
  if (!g) return 'tiling off (each image resized to the model input)';
  const count = width && height ? `, ${planTiles(width, height, g).length} tiles for ${width}×${height}` : '';
  return `tiles ${g.tile}×${g.tile} px, overlap ${g.overlap} px, scale ${g.scale.toFixed(2)} px per input px${count}`;
}
