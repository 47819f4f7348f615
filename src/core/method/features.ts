import * as ort from 'onnxruntime-node';
import { AnomalyLensError } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import type { PreprocessOptions, TileGeometry } from '../../shared/model';
import { Backbone, loadBackbone } from '../backbone/backbone';
import type { FeatureExtractor, PatchFeatures } from '../api';
import { toModelInput, toRegionInput, type ModelInput } from '../image/preprocess';
import { planTiles, type TileRegion } from '../tiling/plan';
import { augmentedViews } from './views';
import { createSession, RuntimeOptions, Session } from '../onnx/runtime';
import { buildFeatureGraph, outputDim } from './featureGraph';

/** Backbone + patch-feature graph: decoded image → PatchFeatures (METHOD §1). */
export class OnnxFeatureExtractor implements FeatureExtractor {
  private constructor(
    readonly backbone: Backbone,
    private readonly features: Session,
    readonly preprocess: PreprocessOptions,
    readonly dim: number,
    readonly backboneRef: string,
  ) {}

  get backboneId(): string {
    return this.backbone.manifest.id;
  }

  static async open(backboneRef: string, preprocess: PreprocessOptions, pooling: { channelPool: number; featureDim: number }, runtime: RuntimeOptions): Promise<OnnxFeatureExtractor> {
    const backbone = await loadBackbone(backboneRef, runtime);
    const spec = {
      tapNames: backbone.manifest.taps.map((_, i) => `tap${i}`),
      channels: backbone.manifest.taps.map((t) => t.channels),
      channelPool: pooling.channelPool,
      featureDim: pooling.featureDim,
    };
    const session = await createSession(buildFeatureGraph(spec), runtime);
    return new OnnxFeatureExtractor(backbone, session, preprocess, outputDim(spec), backboneRef);
  }

  /** Tile geometry of the model (set from its manifest, or chosen for training); absent: the whole image is the input. */
  tiling?: TileGeometry;

  /**
   * Features of the image, or of `views` augmented views of it (the image itself first). A
   * tiling extractor returns every tile's views, tile after tile, each marked with its tile.
   */
  async extract(img: DecodedImage, name: string, frame = 0, views = 1): Promise<PatchFeatures[]> {
    if (!this.tiling) return this.extractInput(toModelInput(img, frame, this.preprocess, this.backbone.manifest.scaling), img, name, views);
    const out: PatchFeatures[] = [];
    for (const region of planTiles(img.width, img.height, this.tiling)) out.push(...(await this.extractTile(img, region, name, frame, views)));
    return out;
  }

  /** Features of one tile of the image (its `views` augmented views). */
  async extractTile(img: DecodedImage, region: TileRegion, name: string, frame = 0, views = 1): Promise<PatchFeatures[]> {
    const input = toRegionInput(img, frame, region, this.preprocess, this.backbone.manifest.scaling);
    const geometry = this.tiling;
    if (!geometry) throw new AnomalyLensError('INTERNAL', 'extractTile needs a tiling extractor');
    const stride = this.backbone.manifest.taps[0].stride;
    return (await this.extractInput(input, img, name, views)).map((f) => ({ ...f, tile: { region, geometry, span: Math.min(1, (stride * f.gridW) / input.size) } }));
  }

  private async extractInput(input: ModelInput, img: DecodedImage, name: string, views: number): Promise<PatchFeatures[]> {
    const inputs = augmentedViews(input, views);
    const out: PatchFeatures[] = [];
    for (const view of inputs) {
      const { taps } = await this.backbone.run(view, [1, 3, input.size, input.size]);
      const feeds: Record<string, ort.Tensor> = {};
      taps.forEach((t, i) => (feeds[`tap${i}`] = new ort.Tensor('float32', t.data, t.dims)));
      const res = await this.features.run(feeds);
      const grid = res.grid.data as Float32Array;
      out.push({
        name,
        gridH: grid[0],
        gridW: grid[1],
        dim: this.dim,
        patches: res.patches.data as Float32Array,
        global: res.global.data as Float32Array,
        imageW: img.width,
        imageH: img.height,
        crop: input.crop,
      });
    }
    return out;
  }

  async release(): Promise<void> {
    await this.features.release();
    await this.backbone.release();
  }
}
