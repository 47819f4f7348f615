// Baseline/progressive JPEG through jpeg-js. Gray JPEGs come back as 1 channel (known from the
// frame header, so no pixel scan is needed).
import jpeg from 'jpeg-js';
import type { DecodedImage } from '../../shared/image';
import type { DecodeOptions } from './decodeOptions';
import { checkDimensions, decodeFailed, singleFrameImage, truncated } from './sniff';

interface JpegFrameHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  marker: number;
}

/** Walks marker segments up to the first SOFn (start of frame) without touching entropy-coded data. */
function readFrameHeader(bytes: Uint8Array, opts: DecodeOptions): JpegFrameHeader {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw decodeFailed('JPEG', opts, `expected a marker at byte ${pos}`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or SOS before any frame header
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (length < 2) throw decodeFailed('JPEG', opts, `segment at byte ${pos} has an invalid length`);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (pos + 10 > bytes.length) break;
      return {
        marker,
        precision: bytes[pos + 4],
        height: (bytes[pos + 5] << 8) | bytes[pos + 6],
        width: (bytes[pos + 7] << 8) | bytes[pos + 8],
        components: bytes[pos + 9],
      };
    }
    pos += 2 + length;
  }
  throw truncated('JPEG', opts, 'no frame header (SOF) before the end of the file');
}

/** Complete files end with EOI after the last start-of-scan; tolerant decoding would otherwise
 * hand back a half-gray image that looks like an anomaly. */
function endsWithEoi(bytes: Uint8Array): boolean {
  let lastSos = -1;
  let lastEoi = -1;
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (bytes[i] !== 0xff) continue;
    const m = bytes[i + 1];
    if (m === 0xd9 && lastEoi < 0) lastEoi = i;
    if (m === 0xda) {
      lastSos = i;
      break;
    }
  }
  return lastSos >= 0 && lastEoi > lastSos;
}

export function decodeJpeg(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const header = readFrameHeader(bytes, opts);
  // jpeg-js reads Huffman-coded baseline (C0/C1) and progressive (C2) frames only.
  if (header.marker > 0xc2) {
    const kind = header.marker === 0xc3 ? 'lossless' : 'arithmetic-coded or hierarchical';
    throw decodeFailed('JPEG', opts, `${kind} JPEG (SOF marker 0x${header.marker.toString(16)}) is not supported`);
  }
  if (header.precision !== 8) throw decodeFailed('JPEG', opts, `${header.precision}-bit JPEG is not supported (8-bit only)`);
  checkDimensions('JPEG', header.width, header.height, opts);
  if (!endsWithEoi(bytes)) throw truncated('JPEG', opts, 'no end-of-image marker after the last scan');

  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: Math.ceil(opts.maxPixels / 1e6) + 1,
      // Output (3 B/px) plus per-component coefficient buffers (~2 B per sample).
      maxMemoryUsageInMB: Math.max(512, Math.ceil((header.width * header.height * 12) / 2 ** 20)),
    });
  } catch (err) {
    throw decodeFailed('JPEG', opts, err instanceof Error ? err.message : String(err), err);
  }
  const { width, height } = decoded;
  checkDimensions('JPEG', width, height, opts);
  const pixels = width * height;
  let data: Uint8Array = decoded.data;
  let channels: 1 | 3 = 3;
  if (header.components === 1) {
    channels = 1;
    const gray = new Uint8Array(pixels);
    for (let p = 0, s = 0; p < pixels; p++, s += 3) gray[p] = data[s];
    data = gray;
  }
  return singleFrameImage('jpeg', width, height, channels, 8, data);
}
