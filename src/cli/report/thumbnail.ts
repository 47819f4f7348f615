/** Shrinks a rendered PNG (the overlay) to a ≤ max px JPEG thumbnail data: URI (PNG of textures is ~10x larger). */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export function pngThumbnailDataUri(pngBytes: Uint8Array, max = 256): string {
  const src = PNG.sync.read(Buffer.from(pngBytes.buffer, pngBytes.byteOffset, pngBytes.byteLength));
  const scale = Math.min(1, max / Math.max(src.width, src.height));
  const w = Math.max(1, Math.round(src.width * scale));
  const h = Math.max(1, Math.round(src.height * scale));
  const out = new PNG({ width: w, height: h });
  // Box filter: average every source pixel that falls into the thumbnail pixel (no aliasing).
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * src.height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * src.width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / w));
      const acc = [0, 0, 0, 0];
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * src.width + xx) * 4;
          for (let c = 0; c < 4; c++) acc[c] += src.data[i + c];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(acc[c] / n);
    }
  }
  // Overlays are opaque; JPEG ignores alpha.
  const enc = jpeg.encode({ data: out.data, width: w, height: h }, 82);
  return `data:image/jpeg;base64,${Buffer.from(enc.data).toString('base64')}`;
}
