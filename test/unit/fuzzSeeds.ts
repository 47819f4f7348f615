// Seed files for the fuzz suite: every format and DICOM transfer syntax the project can write itself.
import bmp from 'bmp-js';
import jpeg from 'jpeg-js';
import UTIF from 'utif2';
import { encodeSamplePng } from '../../src/core/samples/write';
import { encodeJpegNative } from '../../src/core/image/dicom/nativeCodecs';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from './codecEncoders';
import { TS, encodeRleFrame, imageElements, words, writeDicom } from './dicomWriter';

const W = 24;
const H = 16;
const gray8 = Uint8Array.from({ length: W * H }, (_, i) => (i * 11) & 0xff);
const gray16 = Uint16Array.from({ length: W * H }, (_, i) => (i * 37) % 4096);
const rgba = Uint8Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 5) & 0xff));
const info16 = { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false };
const el = (bits: number, frames?: number) => imageElements({ rows: H, columns: W, bitsAllocated: bits, bitsStored: bits === 16 ? 12 : 8, frames });
const enc = (ts: string, stream: Uint8Array, bits = 16) => writeDicom({ transferSyntax: ts, elements: el(bits), pixels: { frames: [[stream]], offsetTable: false } });

export function fuzzSeeds(): { name: string; bytes: Uint8Array }[] {
  const native8 = encodeJpegNative(gray8, { width: W, height: H, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 1, signed: false, planar: false, photometric: 'MONOCHROME2' });
  return [
    { name: 'gray.png', bytes: encodeSamplePng({ width: W, height: H, channels: 1, data: gray8 }) },
    { name: 'rgb.png', bytes: encodeSamplePng({ width: W, height: H, channels: 3, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => i & 0xff) }) },
    { name: 'rgb.jpg', bytes: new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 90).data) },
    { name: 'rgb.bmp', bytes: new Uint8Array(bmp.encode({ data: rgba, width: W, height: H }).data) },
    { name: 'rgb.tif', bytes: new Uint8Array(UTIF.encodeImage(rgba, W, H)) },
    { name: 'implicit.dcm', bytes: writeDicom({ transferSyntax: TS.implicitLE, elements: el(16), pixels: words(gray16) }) },
    { name: 'explicit.dcm', bytes: writeDicom({ transferSyntax: TS.explicitLE, elements: el(16, 2), pixels: words([...gray16, ...gray16]) }) },
    { name: 'bigendian.dcm', bytes: writeDicom({ transferSyntax: TS.explicitBE, elements: el(16), pixels: words(gray16, false) }) },
    { name: 'deflated.dcm', bytes: writeDicom({ transferSyntax: TS.deflated, elements: el(8), pixels: gray8, pixelVr: 'OB' }) },
    { name: 'raw.dcm', bytes: writeDicom({ transferSyntax: TS.explicitLE, elements: el(8), pixels: gray8, pixelVr: 'OB', preamble: false }) },
    { name: 'rle.dcm', bytes: enc(TS.rle, encodeRleFrame(words(gray16), W * H, 1, 2)) },
    { name: 'jpegls.dcm', bytes: enc(TS.jpegLsLossless, encodeJpegLs(info16, gray16)) },
    { name: 'j2k.dcm', bytes: enc(TS.j2kLossless, encodeJ2k(info16, gray16)) },
    { name: 'htj2k.dcm', bytes: enc(TS.htj2kLossless, encodeHtj2k(info16, gray16)) },
    { name: 'baseline.dcm', bytes: enc(TS.jpegBaseline, native8, 8) },
    { name: 'progression.dcm', bytes: enc('1.2.840.10008.1.2.4.55', native8, 8) },
  ];
}
