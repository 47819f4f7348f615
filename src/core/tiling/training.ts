/**
 * The tiling a training run uses: chosen once from the first readable training image (or the
 * setting), recorded in the model, and applied to every image the model later scans.
 */
import type { MethodOptions, TileGeometry, TileSetting } from '../../shared/model';
import type { ImageSource, RunContext } from '../api';
import { AUGMENT_IMAGES } from '../method/options';
import { chooseGeometry, describeGeometry, planTiles } from './plan';

export interface TrainingTiling {
  geometry?: TileGeometry;
  /** Tiles of the image the choice was made on (1 when not tiled). */
  tilesPerImage: number;
}

/** Size of the first training image that decodes (its header is all that is needed, but decoders read whole files). */
async function firstSize(sources: readonly ImageSource[], decode: (src: ImageSource) => Promise<{ width: number; height: number }>): Promise<{ width: number; height: number } | undefined> {
  for (const src of sources.slice(0, 8)) {
    try {
      return await decode(src);
    } catch {
      // unreadable: the extraction reports it; try the next one
    }
  }
  return undefined;
}

export async function chooseTrainingTiling(
  setting: TileSetting,
  sources: readonly ImageSource[],
  inputSide: number,
  decode: (src: ImageSource) => Promise<{ width: number; height: number }>,
  ctx?: RunContext,
): Promise<TrainingTiling> {
  if (setting === 'off') return { tilesPerImage: 1 };
  const size = await firstSize(sources, decode);
  if (!size) return { tilesPerImage: 1 };
  const geometry = chooseGeometry(setting, size.width, size.height, inputSide);
  ctx?.log?.(`${describeGeometry(geometry, size.width, size.height)} (${setting === 'auto' ? 'automatic' : 'requested'})`);
  return { geometry, tilesPerImage: geometry ? planTiles(size.width, size.height, geometry).length : 1 };
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
