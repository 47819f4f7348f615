/**
 * Scoring a tiled image: each tile's patch-score grid goes into one stitched canvas as soon as it
 * is computed, so only one tile's features are alive at a time; the stitched canvas is corrected
 * at the image's borders by the model's edge profile, and the image score, the whole-map term and
 * the full-size map are all read from it.
 */
import type { MethodOptions, TileGeometry } from '../../shared/model';
import type { PatchFeatures } from '../api';
import { correctEdgesOf } from '../method/pixelCalibration';
import type { TileRegion } from './plan';
import { canvasMean, MapStitcher, stitchedImageScore, type StitchedCanvas } from './stitch';

/** One tile's scores: its patch grid (already averaged over test views) and its image-level term. */
export interface TileGrid {
  grid: Float32Array;
  gridW: number;
  gridH: number;
  global?: number;
}

export interface TiledRaw {
  stitched: StitchedCanvas;
  patch: number;
  mapMean: number;
  global?: number;
}

export class TiledScorer {
  private readonly stitcher: MapStitcher;
  private globalSum = 0;
  private globalCount = 0;

  /** `canvasPerTile`: score-canvas side of one tile; blurSigma is in input-pixel units, as for a whole image. */
  constructor(
    imageW: number,
    imageH: number,
    geometry: TileGeometry,
    private readonly options: Pick<MethodOptions, 'blurSigma' | 'topFraction'>,
    private readonly canvasPerTile: number,
    private readonly inputSide: number,
  ) {
    this.stitcher = new MapStitcher(imageW, imageH, geometry, canvasPerTile);
  }

  add(tile: TileGrid, region: TileRegion, span = 1): void {
    this.stitcher.add(tile.grid, tile.gridW, tile.gridH, region, span);
    if (tile.global !== undefined) {
      this.globalSum += tile.global;
      this.globalCount++;
    }
  }

  /**
   * `edge`: the model's edge profile, in canvas pixels from the image's borders. A stitched canvas
   * has as many canvas pixels per image pixel as one tile's, and inside the image the overlap blend
   * already gives tile edges little weight, so only the image's own borders are corrected.
   */
  finish(edge?: readonly number[]): TiledRaw {
    const sigma = this.options.blurSigma > 0 ? (this.options.blurSigma * this.canvasPerTile) / this.inputSide : 0;
    const stitched = this.stitcher.finish(sigma);
    correctEdgesOf(stitched.canvas, stitched.width, stitched.height, edge);
    return {
      stitched,
      patch: stitchedImageScore(stitched.canvas, this.options.topFraction, this.canvasPerTile),
      mapMean: canvasMean(stitched.canvas),
      global: this.globalCount > 0 ? this.globalSum / this.globalCount : undefined,
    };
  }
}

/** A tiled image's views split by tile (features arrive tile after tile, each tile's views together). */
export function groupByTile(views: readonly PatchFeatures[]): PatchFeatures[][] {
  const groups: PatchFeatures[][] = [];
  let key = '';
  for (const v of views) {
    const t = v.tile?.region;
    const k = t ? `${t.x},${t.y},${t.width},${t.height}` : '';
    if (groups.length === 0 || k !== key) groups.push([]);
    groups[groups.length - 1].push(v);
    key = k;
  }
  return groups;
}
