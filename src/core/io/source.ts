/** Reading and decoding an ImageSource, with every failure naming the file. */
import { AnomalyLensError } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import type { ImageSource } from '../api';
import { decodeImage } from '../image/decode';

/** Reads a source's bytes; a failure names the file. */
export async function readSourceBytes(src: ImageSource): Promise<Uint8Array> {
  try {
    return await src.read();
  } catch (err) {
    if (err instanceof AnomalyLensError) throw err.withFile(src.name);
    throw new AnomalyLensError('FILE_UNREADABLE', `cannot read the file: ${(err as Error).message}`, { file: src.name, cause: err });
  }
}

/** Reads and decodes a source; every failure names the file. */
export async function decodeSource(src: ImageSource, maxPixels: number): Promise<DecodedImage> {
  const bytes = await readSourceBytes(src);
  try {
    return await decodeImage(bytes, { path: src.name, maxPixels });
  } catch (err) {
    if (err instanceof AnomalyLensError) throw err.withFile(src.name);
    throw new AnomalyLensError('DECODE_FAILED', `cannot decode the image: ${(err as Error).message}`, { file: src.name, cause: err });
  }
}
