/**
 * The tiling a training run uses: chosen once from a sample of the training images (or the
 * setting), recorded in the model, and applied to every image the model later scans.
 */
import type { MethodOptions, TileGeometry, TileSetting } from '../../shared/model';
import type { ImageSource, RunContext } from '../api';
import { DEFAULT_METHOD } from '../method/options';
import { AUGMENT_IMAGES } from '../method/views';
import { chooseGeometry, describeGeometry, planTiles } from './plan';

export interface TrainingTiling {
  geometry?: TileGeometry;
  /** Tiles of the image the choice was made on (1 when not tiled). */
  tilesPerImage: number;
}

/** How many training images, spread over the set, the automatic choice looks at. */
export const SAMPLED_IMAGES = 8;

/** Sizes of up to SAMPLED_IMAGES training images spread evenly over the set (unreadable ones are skipped; the extraction reports them). */
async function sampledSizes(sources: readonly ImageSource[], decode: (src: ImageSource) => Promise<{ width: number; height: number }>): Promise<{ width: number; height: number }[]> {
  const n = Math.min(SAMPLED_IMAGES, sources.length);
  const picks = [...new Set(Array.from({ length: n }, (_, i) => Math.floor((i * sources.length) / n)))];
  const sizes: { width: number; height: number }[] = [];
  for (const i of picks) {
    try {
      const { width, height } = await decode(sources[i]);
      sizes.push({ width, height });
    } catch {
      // unreadable: the extraction reports it
    }
  }
  return sizes;
}

/**
 * 'auto' tiles only when every sampled image calls for tiles (a set of mixed crops, some of
 * them long, stays untiled), at the smallest tile any of them asks for; a size is applied as given.
 */
export async function chooseTrainingTiling(
  setting: TileSetting,
  sources: readonly ImageSource[],
  inputSide: number,
  decode: (src: ImageSource) => Promise<{ width: number; height: number }>,
  ctx?: RunContext,
): Promise<TrainingTiling> {
  if (setting === 'off') return { tilesPerImage: 1 };
  const sizes = await sampledSizes(sources, decode);
  if (sizes.length === 0) return { tilesPerImage: 1 };
  const choices = sizes.map((s) => chooseGeometry(setting, s.width, s.height, inputSide));
  const geometry = choices.every((g) => g) ? choices.reduce((a, b) => (b!.tile < a!.tile ? b : a)) : undefined;
  const first = sizes[0];
  ctx?.log?.(`${describeGeometry(geometry, first.width, first.height)} (${setting === 'auto' ? `automatic, from ${sizes.length} images` : 'requested'})`);
  return { geometry, tilesPerImage: geometry ? planTiles(first.width, first.height, geometry).length : 1 };
}

/**
 * Tiles of one image that share one default repository budget (maxRepository): as many as the
 * views that stand for a training set (AUGMENT_IMAGES). An image cut into more tiles covers more
 * texture than one budget of patches can represent, so the cap grows with its tiles.
 */
export const TILES_PER_BUDGET = AUGMENT_IMAGES;

/**
 * Defaults a tiled training set changes, each only where the caller left it unset. Flips and
 * rotations stand in for training images in a few-shot set; tiles already give many views of the
 * texture, so augmentation stays off once images × tiles reach the same count. The repository cap
 * is one default budget per TILES_PER_BUDGET tiles of an image (the budget is still a fraction
 * rho of the patches). The whole-map term still follows the image count; untiled sets are
 * unchanged.
 */
export function tiledMethodDefaults(partial: Partial<MethodOptions>, images: number, tilesPerImage: number): Partial<MethodOptions> {
  if (tilesPerImage <= 1) return partial;
  const out = { ...partial };
  if (partial.augment === undefined && images * tilesPerImage >= AUGMENT_IMAGES) out.augment = false;
  const budgets = Math.ceil(tilesPerImage / TILES_PER_BUDGET);
  if (partial.method !== 'patchcore' && partial.maxRepository === undefined && budgets > 1) out.maxRepository = DEFAULT_METHOD.maxRepository * budgets;
  return out;
}
