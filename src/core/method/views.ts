/**
 * Views: the flipped, rotated and moved copies of an image that few-shot training learns from,
 * and the unmoved ones an image is scored in (their score grids turned back and averaged).
 * Everything about views lives here: which views a count means, how a preprocessed input is
 * turned, how a turned score grid is turned back, how many views a training set gets by
 * default, and how extracted views are grouped back into images.
 */
import { AnomalyLensError } from '../../shared/errors';
import type { MethodOptions } from '../../shared/model';
import type { PatchFeatures } from '../api';
import type { ModelInput } from '../image/preprocess';
import { groupBy } from '../collections';
import { groupByTile } from '../tiling/score';

export type Augmentation = 'hflip' | 'vflip' | 'rot90' | 'rot180' | 'rot270' | 'transpose' | 'antitranspose';

export const DEFAULT_AUGMENTATIONS: readonly Augmentation[] = ['hflip', 'vflip', 'rot90', 'rot180', 'rot270'];

/** Source (x, y) for output (x, y) on an n×n grid, per transform. rot90 is counter-clockwise. */
function sourceIndex(kind: Augmentation, x: number, y: number, n: number): number {
  const m = n - 1;
  switch (kind) {
    case 'hflip': return y * n + (m - x);
    case 'vflip': return (m - y) * n + x;
    case 'rot90': return x * n + (m - y);
    case 'rot180': return (m - y) * n + (m - x);
    case 'rot270': return (m - x) * n + y;
    case 'transpose': return x * n + y;
    case 'antitranspose': return (m - x) * n + (m - y);
  }
}

/** Flipped / rotated copies of a preprocessed square NCHW input (batch 1), for few-shot augmentation. */
export function augmentations(
  input: Pick<ModelInput, 'data' | 'size'>,
  kinds: readonly Augmentation[] = DEFAULT_AUGMENTATIONS,
): { kind: Augmentation; data: Float32Array }[] {
  const n = input.size;
  const area = n * n;
  const channels = Math.floor(input.data.length / area);
  return kinds.map((kind) => {
    const index = new Int32Array(area);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) index[y * n + x] = sourceIndex(kind, x, y, n);
    const out = new Float32Array(input.data.length);
    for (let c = 0; c < channels; c++) {
      const o = c * area;
      for (let i = 0; i < area; i++) out[o + i] = input.data[o + index[i]];
    }
    return { kind, data: out };
  });
}

/** A copy of a square NCHW input moved by (dx, dy) pixels, edges repeated (few-shot augmentation). */
export function shiftedInput(data: Float32Array, n: number, dx: number, dy: number): Float32Array {
  const area = n * n;
  const channels = Math.floor(data.length / area);
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    const o = c * area;
    for (let y = 0; y < n; y++) {
      const sy = Math.min(n - 1, Math.max(0, y - dy));
      for (let x = 0; x < n; x++) out[o + y * n + x] = data[o + sy * n + Math.min(n - 1, Math.max(0, x - dx))];
    }
  }
  return out;
}

/** Views per training image that few-shot augmentation offers (1 = the image alone). */
export const AUGMENT_VIEW_COUNTS = [1, 6, 24] as const;

/** One training view: a symmetry of the square, then a move by `shift` steps of n/28 pixels. */
export interface ViewSpec {
  turn: Augmentation | 'none';
  shiftX: number;
  shiftY: number;
}

const SQUARE_SYMMETRIES: readonly Augmentation[] = [...DEFAULT_AUGMENTATIONS, 'transpose', 'antitranspose'];

/**
 * The views behind each count, the image itself first. 6: flips and 90° rotations. 24: the 8
 * symmetries of the square, each as is and moved by half a stride-16 cell (n/28 px) down-right
 * and down-left, so that the patch grid also samples between its own cells.
 */
export function viewSpecs(count: number): ViewSpec[] {
  const turned = (kinds: readonly Augmentation[]): ViewSpec[] => [{ turn: 'none', shiftX: 0, shiftY: 0 }, ...kinds.map((turn) => ({ turn, shiftX: 0, shiftY: 0 }))];
  if (count === 1) return turned([]);
  if (count === 6) return turned(DEFAULT_AUGMENTATIONS);
  if (count === 8) return turned(SQUARE_SYMMETRIES); // test views only
  if (count === 24) {
    const t = turned(SQUARE_SYMMETRIES);
    return [...t, ...t.map((v) => ({ ...v, shiftX: 1, shiftY: 1 })), ...t.map((v) => ({ ...v, shiftX: -1, shiftY: 1 }))];
  }
  throw new RangeError(`augmentation views must be one of ${AUGMENT_VIEW_COUNTS.join(', ')}, got ${count}`);
}

/** Views an image can be scored in: itself, the 6 training views, or the 8 symmetries (no moves). */
export const TEST_VIEW_COUNTS = [1, 6, 8] as const;

/** The turns behind each test-view count: the first views of the training augmentation. */
export function testViewTurns(count: number): ViewSpec['turn'][] {
  if (!(TEST_VIEW_COUNTS as readonly number[]).includes(count)) throw new RangeError(`test views must be one of ${TEST_VIEW_COUNTS.join(', ')}, got ${count}`);
  return viewSpecs(count).map((v) => v.turn);
}

/**
 * A square score grid of a turned view, turned back to the image's own orientation: the value at
 * view position (x, y) belongs to the image position the view took it from.
 */
export function gridFromView(turn: ViewSpec['turn'], grid: Float32Array, n: number): Float32Array {
  if (turn === 'none') return grid;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[sourceIndex(turn, x, y, n)] = grid[y * n + x];
  return out;
}

/** The training views of one preprocessed square input (see viewSpecs), the input itself first. */
export function augmentedViews(input: Pick<ModelInput, 'data' | 'size'>, count: number): Float32Array[] {
  const step = Math.max(1, Math.round(input.size / 28));
  const turned = new Map<ViewSpec['turn'], Float32Array>([['none', input.data]]);
  return viewSpecs(count).map((v) => {
    let t = turned.get(v.turn);
    if (!t) turned.set(v.turn, (t = augmentations(input, [v.turn as Augmentation])[0].data)); // each symmetry once, moved copies reuse it
    return v.shiftX || v.shiftY ? shiftedInput(t, input.size, v.shiftX * step, v.shiftY * step) : t;
  });
}

/**
 * Below this many training images flips and rotations augment them (and images are scored in
 * those views): a few images do not show the texture in every orientation, while from this size
 * on the real images vary enough and extra views would only cost training time
 * (docs/method.md; numbers in docs/benchmarks.md).
 */
export const AUGMENT_IMAGES = 32;

/** Views per training image when augmenting more than one image: the image, its flips and 90° rotations. */
export const DEFAULT_AUGMENT_VIEWS = 6;

/**
 * Views per image when a single image is the whole training set: the 8 symmetries, each also
 * moved by half a patch, so the lone image fills the repository more densely (docs/method.md).
 */
export const SINGLE_IMAGE_VIEWS = 24;

/**
 * Views a few-shot model scores each image in: the unmoved views it was trained on (6 training
 * views → 6; 24 → the 8 symmetries). Averaging their turned-back maps smooths out the
 * orientation-specific noise of a small repository (docs/method.md; numbers in docs/benchmarks.md).
 */
export function unmovedViews(augmentViews: number): number {
  return augmentViews >= SINGLE_IMAGE_VIEWS ? 8 : augmentViews;
}

/** The view options a training set of `images` images gets where the caller left them unset. */
export function viewDefaults(partial: Partial<MethodOptions>, images: number): Pick<MethodOptions, 'augment' | 'augmentViews' | 'testViews'> {
  const augment = partial.augment ?? images < AUGMENT_IMAGES;
  const augmentViews = partial.augmentViews ?? (images <= 1 ? SINGLE_IMAGE_VIEWS : DEFAULT_AUGMENT_VIEWS);
  return { augment, augmentViews, testViews: partial.testViews ?? (augment ? unmovedViews(augmentViews) : 1) };
}

/** Views extracted per training image. */
export function trainingViewsPerImage(options: Pick<MethodOptions, 'augment' | 'augmentViews'>): number {
  return options.augment ? options.augmentViews : 1;
}

/** The model's test views of one image, from views in training-augmentation order (the image itself first). */
export function testViewsOf(views: readonly PatchFeatures[], options: Pick<MethodOptions, 'testViews'>): PatchFeatures[] {
  // A tiled image's views come tile after tile; each tile contributes its own test views.
  const images = views[0]?.tile ? groupByTile(views) : [views];
  return images.flatMap((own) => {
    if (own.length < options.testViews) {
      throw new AnomalyLensError('BAD_ARGUMENT', `the model scores ${options.testViews} views of each image, but ${own[0]?.name ?? 'an image'} has ${own.length}`);
    }
    return own.slice(0, options.testViews);
  });
}

/** Views of consecutive images, `per` each (features arrive image by image, views in training order). */
export function viewsByImage(views: readonly PatchFeatures[], per: number): PatchFeatures[][] {
  // A tiled image has one view per tile, so views group by image name.
  if (views[0]?.tile) return [...groupBy(views, (v) => v.name).values()];
  if (views.length % per !== 0) throw new AnomalyLensError('BAD_ARGUMENT', `labelled anomalies need ${per} views each (the model's test views), got ${views.length} views`);
  return Array.from({ length: views.length / per }, (_, i) => views.slice(i * per, (i + 1) * per));
}

/** For each view, the index of the image it came from: views with the same name are views of one image. */
export function imageIndexOfViews(views: readonly PatchFeatures[]): number[] {
  const ids = new Map<string, number>();
  return views.map((v) => {
    if (!ids.has(v.name)) ids.set(v.name, ids.size);
    return ids.get(v.name)!;
  });
}
