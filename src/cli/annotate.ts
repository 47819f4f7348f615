/**
 * The one place the CLI turns a scan result into an annotation file, through the shared
 * builder (src/shared/annotation.ts), so the CLI and the extension write the same JSON.
 */
import { createHash } from 'node:crypto';
import { annotationRelPath, predictedAnnotation, serializeAnnotation } from '../shared/annotation';
import { predictedRegions } from '../shared/regions';
import type { DecodedImage } from '../shared/image';
import type { ImageScore } from '../core/api';
import type { ModelManifest } from '../shared/model';
import { TOOL_VERSION } from '../core/version';


export function annotationJson(
  score: ImageScore,
  img: DecodedImage,
  bytes: Uint8Array,
  manifest: ModelManifest,
  opts: { path: string; frame?: number; now?: string },
): string {
  const a = predictedAnnotation(
    score,
    {
      path: opts.path,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      width: img.width,
      height: img.height,
      frame: opts.frame ?? 0,
      frameCount: img.frameCount,
      format: img.format,
    },
    { id: manifest.id, backbone: manifest.backbone.id },
    { toolVersion: TOOL_VERSION, now: opts.now },
    predictedRegions(score),
  );
  return serializeAnnotation(a);
}

/** `<annotations dir>/<image name>.json` (forward slashes; refuses names that leave the folder). */
export const annotationPathFor = (name: string, dir: string): string => annotationRelPath(name, dir);
