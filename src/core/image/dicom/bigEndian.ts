/**
 * Explicit VR Big Endian data sets, read the way CP-246 (PS3.5 6.2.2) asks: an element of VR UN,
 * or of a VR this reader does not know, with undefined length holds an Implicit VR Little Endian
 * sequence. dicom-parser reads those items in the data set's byte order and loses the item tags,
 * so this walker takes the sequences and those elements itself and leaves the rest to it.
 */
import dicomParser, { type ByteStream, type DataSet, type Element } from 'dicom-parser';
import { dicomError } from './errors';

export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 32;
const KNOWN_VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

const DataSetClass = (dicomParser as unknown as { DataSet: new (p: unknown, b: Uint8Array, e: Record<string, Element>) => DataSet }).DataSet;

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

interface Header {
  tag: string;
  group: number;
  element: number;
  vr: string;
}

function peekHeader(s: ByteStream): Header | undefined {
  const p = s.position;
  if (p + 6 > s.byteArray.length) return undefined;
  const b = s.byteArray;
  const group = (b[p] << 8) | b[p + 1];
  const element = (b[p + 2] << 8) | b[p + 3];
  return { tag: `x${hex4(group)}${hex4(element)}`, group, element, vr: String.fromCharCode(b[p + 4], b[p + 5]) };
}

/** Elements of a big endian data set from the stream's position up to `end` (or an item delimiter when `end` is undefined). */
function readElements(s: ByteStream, end: number | undefined, file: string | undefined, depth: number): Record<string, Element> {
  if (depth > MAX_DEPTH) throw dicomError('DICOM_INVALID', `sequences nest deeper than ${MAX_DEPTH} levels`, file, 'the file is corrupt or crafted; re-export it');
  const elements: Record<string, Element> = {};
  const limit = end ?? s.byteArray.length;
  while (s.position < limit) {
    const h = peekHeader(s);
    if (!h || s.position + 8 > limit) throw new Error('eof encountered inside an element header');
    if (h.group === 0xfffe) {
      // Item delimiters carry no VR: one ends an undefined-length item; a stray one is skipped.
      s.seek(4);
      const length = s.readUint32();
      if (end === undefined && h.element === 0xe00d) return elements;
      if (length !== UNDEFINED) s.seek(length);
      continue;
    }
    const el = readElement(s, h, file, depth);
    elements[el.tag] = el;
  }
  if (s.position > limit) throw new Error('buffer overrun');
  return elements;
}

function readElement(s: ByteStream, h: Header, file: string | undefined, depth: number): Element {
  const known = KNOWN_VRS.has(h.vr);
  if (known && h.vr !== 'SQ' && h.vr !== 'UN') return dicomParser.readDicomElementExplicit(s);
  // 2 reserved bytes and a 32-bit length: SQ, UN, and (PS3.5 6.2) any VR not known to the reader.
  s.seek(8);
  const length = s.readUint32();
  const el: Element = { tag: h.tag, vr: known ? h.vr : 'UN', length, dataOffset: s.position };
  if (length === UNDEFINED) el.hadUndefinedLength = true;
  if (h.vr === 'SQ') {
    readSequence(s, el, file, depth);
  } else if (length === UNDEFINED) {
    // CP-246: the value is an Implicit VR Little Endian sequence, whatever the data set's byte order.
    const le = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, s.byteArray, el.dataOffset);
    dicomParser.readSequenceItemsImplicit(le, el);
    s.seek(le.position - s.position);
  } else {
    s.seek(length);
  }
  return el;
}

function readSequence(s: ByteStream, el: Element, file: string | undefined, depth: number): void {
  el.items = [];
  const end = el.length === UNDEFINED ? undefined : el.dataOffset + el.length;
  while (s.position + 8 <= (end ?? s.byteArray.length)) {
    const tag = dicomParser.readTag(s);
    const length = s.readUint32();
    if (tag === 'xfffee0dd') break; // sequence delimitation item
    if (tag !== 'xfffee000') throw new Error(`sequence item tag (FFFE,E000) not found at offset ${s.position - 8}`);
    const item: Element = { tag, length, dataOffset: s.position };
    const itemEnd = length === UNDEFINED ? undefined : s.position + length;
    if (itemEnd !== undefined && itemEnd > s.byteArray.length) throw new Error('a sequence item runs past the end of buffer');
    const elements = readElements(s, itemEnd, file, depth + 1);
    if (length === UNDEFINED) {
      item.hadUndefinedLength = true;
      item.length = s.position - item.dataOffset;
    }
    item.dataSet = new DataSetClass(s.byteArrayParser, s.byteArray, elements);
    el.items.push(item);
    if (end !== undefined && s.position >= end) break;
  }
  if (el.length === UNDEFINED) el.length = s.position - el.dataOffset;
}

/** A big endian data set starting at `start`, with `meta` (the file meta group) merged in. */
export function parseBigEndianDataSet(bytes: Uint8Array, start: number, file: string | undefined, meta?: DataSet): DataSet {
  const s = new dicomParser.ByteStream(dicomParser.bigEndianByteArrayParser, bytes, start);
  const elements = readElements(s, bytes.length, file, 0);
  const dataSet = new DataSetClass(dicomParser.bigEndianByteArrayParser, bytes, { ...meta?.elements, ...elements });
  dataSet.warnings = [...(meta?.warnings ?? []), ...s.warnings];
  return dataSet;
}
