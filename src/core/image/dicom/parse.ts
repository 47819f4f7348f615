import * as zlib from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { AnomalyLensError } from '../../../shared/errors';
import { EXPLICIT_BE, parseBigEndianDataSet } from './bigEndian';
import { describeThrown, dicomError } from './errors';
import { findTransferSyntax, type TransferSyntax } from './transferSyntax';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntaxUid: string;
  /** Undefined when the syntax is not one we decode (the caller decides which error wins). */
  transferSyntax: TransferSyntax | undefined;
  /** True when the file had no DICM preamble / meta header and the syntax was inferred. */
  inferredSyntax: boolean;
  /** True when the meta header declares explicit VR but the data set is written implicit VR (read as implicit). */
  implicitDataSet: boolean;
}

const DEFLATED = '1.2.840.10008.1.2.1.99';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const VALID_VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

export function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * Guess the transfer syntax of a data set with no meta header from its first element:
 * a plausible group number says the byte order, two upper-case letters after the tag say explicit VR.
 */
export function sniffRawSyntax(bytes: Uint8Array, offset = 0): string | undefined {
  if (bytes.length < offset + 8) return undefined;
  const b = bytes.subarray(offset);
  const groupLe = b[0] | (b[1] << 8);
  const groupBe = (b[0] << 8) | b[1];
  const plausible = (g: number) => g === 0x0002 || g === 0x0008 || g === 0x0010 || g === 0x0018 || g === 0x0020 || g === 0x0028;
  const vr = String.fromCharCode(b[4], b[5]);
  const explicit = VALID_VRS.has(vr);
  if (plausible(groupLe)) return explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
  if (plausible(groupBe) && explicit) return '1.2.840.10008.1.2.2';
  return undefined;
}

/** Walk the meta group (0002,xxxx), always explicit VR little endian: its end and its transfer syntax. */
function readMetaGroup(bytes: Uint8Array, start = 132): { end: number; transferSyntaxUid?: string } {
  let p = start;
  let transferSyntaxUid: string | undefined;
  while (p + 8 <= bytes.length && (bytes[p] | (bytes[p + 1] << 8)) === 0x0002) {
    const element = bytes[p + 2] | (bytes[p + 3] << 8);
    const vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
    let header = 8;
    let len = bytes[p + 6] | (bytes[p + 7] << 8);
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr)) {
      header = 12;
      len = (bytes[p + 8] | (bytes[p + 9] << 8) | (bytes[p + 10] << 16) | (bytes[p + 11] << 24)) >>> 0;
    }
    if (element === 0x0010 && p + header + len <= bytes.length) {
      transferSyntaxUid = String.fromCharCode(...bytes.subarray(p + header, p + header + len)).replace(/[\0 ]+$/g, '').trim() || undefined;
    }
    p += header + len;
  }
  return { end: p, transferSyntaxUid };
}

/** A Buffer's bytes as a plain Uint8Array (Buffer.slice is a view, which would break copies downstream). */
export function asPlainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function inflate(deflated: Uint8Array, file: string | undefined, maxBytes: number): Uint8Array {
  try {
    return asPlainBytes(zlib.inflateRawSync(deflated, { maxOutputLength: maxBytes }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw dicomError('IMAGE_TOO_LARGE', `the deflated data set inflates beyond ${maxBytes} bytes`, file, 'raise the pixel limit if this image is expected to be this large');
    }
    try {
      // A few writers wrap the deflate stream in a zlib header despite PS3.5 A.5.
      return asPlainBytes(zlib.inflateSync(deflated, { maxOutputLength: maxBytes }));
    } catch {
      throw dicomError('DICOM_INVALID', `the deflated data set could not be inflated (${describeThrown(e)})`, file, 'the file is corrupt; re-export it');
    }
  }
}

/** Bytes the data set besides its pixels may reasonably need (overlays, icons, private data). */
const NON_PIXEL_ALLOWANCE = 2 ** 24;

/** The first explicit VR little endian element with this tag and VR in `b`: its value bytes. */
function findElement(b: Uint8Array, group: number, element: number, vr: string): Uint8Array | undefined {
  const g0 = group & 0xff;
  const g1 = group >> 8;
  const e0 = element & 0xff;
  const e1 = element >> 8;
  const v0 = vr.charCodeAt(0);
  const v1 = vr.charCodeAt(1);
  for (let i = 0; i + 8 <= b.length; i++) {
    if (b[i] === g0 && b[i + 1] === g1 && b[i + 2] === e0 && b[i + 3] === e1 && b[i + 4] === v0 && b[i + 5] === v1) {
      const len = b[i + 6] | (b[i + 7] << 8);
      return i + 8 + len <= b.length ? b.subarray(i + 8, i + 8 + len) : undefined;
    }
  }
  return undefined;
}

/**
 * The byte budget of a deflated data set from its own Image Pixel module: Rows x Columns x frames x
 * samples x bytes per sample, plus an allowance for the other elements. The header is read from a
 * partial inflate of the first few kilobytes, so a stream that inflates to gigabytes is refused
 * without ever holding them. Undefined when the header is not in reach (the caller's cap applies).
 */
export function deflatedBudget(deflated: Uint8Array): number | undefined {
  let head: Uint8Array;
  try {
    head = zlib.inflateRawSync(deflated.subarray(0, 8192), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 2 ** 24 });
  } catch {
    return undefined;
  }
  const u16 = (v: Uint8Array | undefined) => (v && v.length >= 2 ? v[0] | (v[1] << 8) : undefined);
  const rows = u16(findElement(head, 0x0028, 0x0010, 'US'));
  const columns = u16(findElement(head, 0x0028, 0x0011, 'US'));
  if (rows === undefined || columns === undefined) return undefined;
  const bits = u16(findElement(head, 0x0028, 0x0100, 'US')) ?? 64;
  const samples = Math.max(1, u16(findElement(head, 0x0028, 0x0002, 'US')) ?? 1);
  const framesText = findElement(head, 0x0028, 0x0008, 'IS');
  const frames = framesText ? Math.max(1, Math.floor(Number.parseFloat(Buffer.from(framesText).toString('latin1'))) || 1) : 1;
  return rows * columns * samples * frames * Math.ceil(Math.max(bits, 8) / 8) + NON_PIXEL_ALLOWANCE;
}

/** Inflate a deflated data set within the budget its header implies (and never beyond `maxBytes`). */
function inflateDataSet(deflated: Uint8Array, file: string | undefined, maxBytes: number): Uint8Array {
  const budget = deflatedBudget(deflated);
  if (budget === undefined || budget >= maxBytes) return inflate(deflated, file, maxBytes);
  try {
    return inflate(deflated, file, budget);
  } catch (e) {
    if (e instanceof AnomalyLensError && e.code === 'IMAGE_TOO_LARGE') {
      throw dicomError('DICOM_INVALID', `the deflated data set inflates beyond ${budget} bytes, more than its Rows, Columns, frames and Bits Allocated account for`, file, 'the file is corrupt or crafted; it was not inflated further');
    }
    throw e;
  }
}

function classifyParserError(e: unknown, file: string | undefined, bytesLength: number): AnomalyLensError {
  if (e instanceof AnomalyLensError) return e;
  const inner = e && typeof e === 'object' && 'exception' in e ? (e as { exception: unknown }).exception : e;
  if (inner instanceof AnomalyLensError) return inner;
  const reason = describeThrown(e);
  if (/overrun|overread|past end|maxPosition|eof encountered|end of buffer|beyond/i.test(reason)) {
    return dicomError('FILE_TRUNCATED', `the file ends inside a data element (${bytesLength} bytes read; ${reason})`, file, 'the file was cut short; copy or export it again');
  }
  if (/undefined length|delimit|sequence/i.test(reason)) {
    return dicomError('DICOM_INVALID', `a sequence or undefined-length element is malformed (${reason})`, file, 'the file is not valid DICOM; re-export it');
  }
  return dicomError('DICOM_INVALID', `the data set could not be parsed (${reason})`, file, 'the file is not valid DICOM; re-export it');
}

/** Explicit-VR data sets: refuse elements whose VR is not a DICOM VR (the parse after them is unreliable). */
function checkVrs(dataSet: DataSet, file: string | undefined, depth = 0): void {
  if (depth > 16) return;
  for (const el of Object.values(dataSet.elements)) {
    if (el.vr !== undefined && !el.tag.startsWith('xfffe') && !VALID_VRS.has(el.vr)) {
      const t = el.tag.slice(1).toUpperCase();
      throw dicomError('DICOM_BAD_VR', `element (${t.slice(0, 4)},${t.slice(4)}) has an invalid value representation`, file, 'the file is not valid DICOM; re-export it');
    }
    for (const item of el.items ?? []) if (item.dataSet) checkVrs(item.dataSet, file, depth + 1);
  }
}

/** A big endian data set from `start`, with the meta group of a Part 10 file when there is one. */
function parseBigEndian(bytes: Uint8Array, start: number, withMeta: boolean, file: string | undefined): DataSet {
  try {
    return parseBigEndianDataSet(bytes, start, file, withMeta ? dicomParser.readPart10Header(bytes) : undefined);
  } catch (e) {
    throw classifyParserError(e, file, bytes.length);
  }
}

function parseWith(bytes: Uint8Array, options: dicomParser.ParseDicomOptions, file: string | undefined): DataSet {
  if (options.TransferSyntaxUID === EXPLICIT_BE) return parseBigEndian(bytes, 0, false, file);
  let dataSet: DataSet;
  try {
    // Implicit VR: without a VR, dicom-parser would read undefined-length Pixel Data as a sequence.
    dataSet = dicomParser.parseDicom(bytes, { ...options, vrCallback: (tag: string) => (tag === 'x7fe00010' ? 'OB' : undefined) });
  } catch (e) {
    throw classifyParserError(e, file, bytes.length);
  }
  const pixel = dataSet.elements.x7fe00010;
  if (pixel && pixel.hadUndefinedLength && !pixel.encapsulatedPixelData) {
    // Only an implicit VR data set gets here (explicit parsing finds the fragments itself).
    try {
      const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, dataSet.byteArray, pixel.dataOffset);
      dicomParser.findEndOfEncapsulatedElement(stream, pixel, []);
    } catch (e) {
      throw classifyParserError(e, file, bytes.length);
    }
  }
  return dataSet;
}

/**
 * A data set written implicit VR under an explicit VR (little endian) transfer syntax: the first
 * element has no valid VR where explicit VR puts one, and read as implicit its 32-bit length fits
 * the file. pydicom and dcmtk detect this the same way and read the data set as implicit VR.
 */
function writtenImplicit(bytes: Uint8Array, at: number): boolean {
  if (at + 8 > bytes.length) return false;
  if (VALID_VRS.has(String.fromCharCode(bytes[at + 4], bytes[at + 5]))) return false;
  const group = bytes[at] | (bytes[at + 1] << 8);
  const length = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
  return group >= 0x0008 && group !== 0xfffe && (length === 0xffffffff || at + 8 + length <= bytes.length);
}

/** Explicit little endian syntaxes whose data set may turn out to be implicit (deflate is handled apart). */
function mayBeWrittenImplicit(uid: string): boolean {
  const ts = findTransferSyntax(uid);
  return uid !== DEFLATED && ts !== undefined && ts.explicitVr && ts.littleEndian;
}

/** A bare data set that starts a few bytes late: say so precisely instead of "not DICOM". */
function strayLeadingBytes(bytes: Uint8Array): number | undefined {
  for (let skip = 1; skip <= 3; skip++) {
    if (sniffRawSyntax(bytes, skip) !== undefined && (bytes[skip] | (bytes[skip + 1] << 8)) === 0x0008) return skip;
  }
  return undefined;
}

/** Parse a Part 10 file, a file whose meta header lacks the transfer syntax, or a bare data set. */
export function parseDicomBytes(bytes: Uint8Array, file: string | undefined, maxInflatedBytes: number): ParsedDicom {
  if (bytes.length === 0) throw new AnomalyLensError('FILE_EMPTY', 'the file is empty', { file });
  let dataSet: DataSet;
  let inferredSyntax = false;
  let implicitDataSet = false;
  let uid: string;
  if (hasPreamble(bytes)) {
    const meta = readMetaGroup(bytes);
    if (meta.end > bytes.length) {
      throw dicomError('FILE_TRUNCATED', `the file ends inside its meta header (${bytes.length} bytes)`, file, 'the file was cut short; copy or export it again');
    }
    if (meta.transferSyntaxUid === DEFLATED) {
      // Inflate the data set ourselves and parse it as a bare explicit little endian data set.
      uid = DEFLATED;
      const inflated = inflateDataSet(bytes.subarray(meta.end), file, maxInflatedBytes);
      dataSet = parseWith(inflated, { TransferSyntaxUID: '1.2.840.10008.1.2.1' }, file);
    } else if (meta.transferSyntaxUid) {
      uid = meta.transferSyntaxUid;
      if (mayBeWrittenImplicit(uid) && writtenImplicit(bytes, meta.end)) {
        implicitDataSet = true;
        dataSet = parseWith(bytes.subarray(meta.end), { TransferSyntaxUID: IMPLICIT_LE }, file);
      } else if (uid === EXPLICIT_BE) {
        dataSet = parseBigEndian(bytes, meta.end, true, file);
      } else {
        dataSet = parseWith(bytes, {}, file);
      }
    } else {
      // Meta header without (0002,0010): infer from the first data set element.
      const sniffed = sniffRawSyntax(bytes, meta.end);
      if (!sniffed) {
        throw dicomError('DICOM_INVALID', 'the meta header has no transfer syntax (0002,0010) and the data set encoding cannot be inferred', file, 'the file is not valid DICOM; re-export it');
      }
      uid = sniffed;
      inferredSyntax = true;
      dataSet = parseWith(bytes.subarray(meta.end), { TransferSyntaxUID: uid }, file);
    }
  } else {
    // No preamble: maybe a bare meta group (some writers keep it), then the data set.
    const meta = readMetaGroup(bytes, 0);
    const sniffed = sniffRawSyntax(bytes, meta.end);
    if (!sniffed) {
      const stray = meta.end === 0 ? strayLeadingBytes(bytes) : undefined;
      if (stray !== undefined) {
        throw dicomError('DICOM_INVALID', `no DICM preamble, and the data set does not start at byte 0: ${stray} stray byte(s) precede what looks like its first element (0008,xxxx)`, file, 'the file was cut from a larger one at the wrong offset; re-export it with a File Meta Information header');
      }
      throw dicomError('DICOM_INVALID', 'no DICM preamble and the bytes do not start like a DICOM data set', file, 'the file is not DICOM');
    }
    uid = meta.transferSyntaxUid ?? sniffed;
    inferredSyntax = meta.transferSyntaxUid === undefined;
    const body = bytes.subarray(meta.end);
    implicitDataSet = !inferredSyntax && sniffed === IMPLICIT_LE && mayBeWrittenImplicit(uid);
    dataSet =
      uid === DEFLATED
        ? parseWith(inflateDataSet(body, file, maxInflatedBytes), { TransferSyntaxUID: '1.2.840.10008.1.2.1' }, file)
        : parseWith(body, { TransferSyntaxUID: implicitDataSet ? IMPLICIT_LE : uid }, file);
  }
  const transferSyntax = findTransferSyntax(uid);
  if (transferSyntax?.explicitVr && !implicitDataSet) checkVrs(dataSet, file);
  return { dataSet, transferSyntaxUid: uid, transferSyntax, inferredSyntax, implicitDataSet };
}
