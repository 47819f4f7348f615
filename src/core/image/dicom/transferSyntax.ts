/** Transfer syntaxes we know (PS3.5 §10, PS3.6 Annex A) and how their pixel data is encoded. */
export type PixelEncoding =
  | 'native'
  | 'deflate-frame'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-extended'
  | 'jpeg-progressive'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'j2k'
  | 'htj2k';

export interface TransferSyntax {
  uid: string;
  name: string;
  /** Explicit VR in the data set (everything but implicit little endian). */
  explicitVr: boolean;
  littleEndian: boolean;
  deflated: boolean;
  encoding: PixelEncoding;
  lossy: boolean;
}

const table: TransferSyntax[] = [];
function add(uid: string, name: string, encoding: PixelEncoding, extra: Partial<TransferSyntax> = {}): void {
  table.push({ uid, name, explicitVr: true, littleEndian: true, deflated: false, encoding, lossy: false, ...extra });
}

add('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', { explicitVr: false });
add('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native');
add('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native', { deflated: true });
add('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', { littleEndian: false });
add('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle');
add('1.2.840.10008.1.2.8.1', 'Deflated Image Frame Compression', 'deflate-frame');
add('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', { lossy: true });
add('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended', { lossy: true });
add('1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection (Process 6 & 8, retired)', 'jpeg-progressive', { lossy: true });
add('1.2.840.10008.1.2.4.55', 'JPEG Full Progression (Process 10 & 12, retired)', 'jpeg-progressive', { lossy: true });
add('1.2.840.10008.1.2.4.57', 'JPEG Lossless (Process 14)', 'jpeg-lossless');
add('1.2.840.10008.1.2.4.70', 'JPEG Lossless (Process 14, SV1)', 'jpeg-lossless');
add('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls');
add('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', { lossy: true });
add('1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless', 'j2k');
add('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'j2k', { lossy: true });
add('1.2.840.10008.1.2.4.201', 'HTJ2K Lossless', 'htj2k');
add('1.2.840.10008.1.2.4.202', 'HTJ2K Lossless RPCL', 'htj2k');
add('1.2.840.10008.1.2.4.203', 'HTJ2K', 'htj2k', { lossy: true });

const byUid = new Map(table.map((t) => [t.uid, t]));

/** Named transfer syntaxes that carry no decodable image for us (video, JPEG XL, JPIP, ...). */
const knownUnsupported: Record<string, string> = {
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (Process 3 & 5, retired)',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component Lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.101': 'MPEG2 High Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
};

export function findTransferSyntax(uid: string): TransferSyntax | undefined {
  return byUid.get(uid);
}

/** A readable name for any UID, known or not (UIDs are not identifying). */
export function transferSyntaxName(uid: string): string {
  return byUid.get(uid)?.name ?? knownUnsupported[uid] ?? `unknown transfer syntax ${uid}`;
}

export function allTransferSyntaxes(): readonly TransferSyntax[] {
  return table;
}
