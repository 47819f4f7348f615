/**
 * The tiling a training run uses: chosen once from a sample of the training images (or the
 * setting), recorded in the model, and applied to every image the model later scans.
 */
import type { MethodOptions, TileGeometry, TileSetting } from '../../shared/model';
import type { ImageSource, RunContext } from '../api';
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
 * Flips and rotations stand in for training images in a few-shot set; tiles already give many
 * views of the texture, so augmentation stays off once images × tiles reach the same count
 * (unless the caller asked for it). The whole-map term still follows the image count.
 */
export function tiledMethodDefaults(partial: Partial<MethodOptions>, images: number, tilesPerImage: number): Partial<MethodOptions> {
  if (tilesPerImage <= 1 || partial.augment !== undefined || images * tilesPerImage < AUGMENT_IMAGES) return partial;
  return { ...partial, augment: false };
}
