import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDicom } from '../../src/core/image/dicom/index';
import { AnomalyLensError } from '../../src/shared/errors';
import { TS, concat, encodeElements, imageElements, rng, words, writeDicom } from './dicomWriter';

const opts = { path: 'fixture.dcm', maxPixels: 10_000_000 };

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const UNDEFINED = 0xffffffff;

/** An implicit VR little endian element. */
const implicitEl = (group: number, element: number, value: number[]) => [...le16(group), ...le16(element), ...le32(value.length), ...value];

/**
 * The value of an undefined-length UN element as CP-246 writes it: Implicit VR Little Endian items
 * (one of undefined length holding a nested undefined-length sequence, one of defined length), then
 * the sequence delimiter.
 */
function cp246Items(): number[] {
  const text = [...Buffer.from('ABCD')];
  const nested = [
    ...le16(0x0040), ...le16(0xa730), ...le32(UNDEFINED), // implicit SQ of undefined length
    ...le16(0xfffe), ...le16(0xe000), ...le32(UNDEFINED),
    ...implicitEl(0x0008, 0x0100, text),
    ...le16(0xfffe), ...le16(0xe00d), ...le32(0),
    ...le16(0xfffe), ...le16(0xe0dd), ...le32(0),
  ];
  const defined = implicitEl(0x0008, 0x0102, text);
  return [
    ...le16(0xfffe), ...le16(0xe000), ...le32(UNDEFINED),
    ...implicitEl(0x0008, 0x0100, text),
    ...nested,
    ...le16(0xfffe), ...le16(0xe00d), ...le32(0),
    ...le16(0xfffe), ...le16(0xe000), ...le32(defined.length),
    ...defined,
    ...le16(0xfffe), ...le16(0xe0dd), ...le32(0),
  ];
}

/** A big endian element header with 2 reserved bytes and an undefined 32-bit length. */
const beUndefined = (group: number, element: number, vr: string) => [...be16(group), ...be16(element), ...Buffer.from(vr), 0, 0, 0xff, 0xff, 0xff, 0xff];

function bigEndianFile(extra: number[], pixels: Uint8Array): Uint8Array {
  const head = writeDicom({ transferSyntax: TS.explicitBE, elements: imageElements({ rows: 4, columns: 5, bitsAllocated: 16 }) });
  // (0029,xxxx) sorts after the Image Pixel module and before Pixel Data.
  return concat(head, Uint8Array.from(extra), encodeElements([{ tag: 0x7fe00010, vr: 'OW', value: pixels }], false, true));
}

const values = (() => {
  const r = rng(7);
  return Array.from({ length: 20 }, () => Math.floor(r() * 65536));
})();

test('explicit VR big endian: an undefined-length UN element is read as an implicit VR little endian sequence (CP-246)', () => {
  const bytes = bigEndianFile([...beUndefined(0x0029, 0x1010, 'UN'), ...cp246Items()], words(values, false));
  const img = decodeDicom(bytes, opts);
  assert.equal(img.width, 5);
  assert.equal(img.height, 4);
  assert.deepEqual(Array.from(img.frames[0].data), values);
});

test('explicit VR big endian: an unknown VR with undefined length is read like UN (CP-246)', () => {
  const bytes = bigEndianFile([...beUndefined(0x0029, 0x1010, 'ZZ'), ...cp246Items()], words(values, false));
  assert.deepEqual(Array.from(decodeDicom(bytes, opts).frames[0].data), values);
});

test('explicit VR big endian: a CP-246 element inside a big endian sequence item', () => {
  const inner = [...beUndefined(0x0029, 0x1010, 'UN'), ...cp246Items()];
  const item = [...be16(0xfffe), ...be16(0xe000), ...[0xff, 0xff, 0xff, 0xff], ...inner, ...be16(0xfffe), ...be16(0xe00d), 0, 0, 0, 0];
  const sq = [...beUndefined(0x0029, 0x1020, 'SQ'), ...item, ...be16(0xfffe), ...be16(0xe0dd), 0, 0, 0, 0];
  const bytes = bigEndianFile(sq, words(values, false));
  assert.deepEqual(Array.from(decodeDicom(bytes, opts).frames[0].data), values);
});

test('explicit VR big endian: a CP-246 element whose items never end is refused with a DICOM error, not a parser crash', () => {
  const items = cp246Items();
  const cut = [...beUndefined(0x0029, 0x1010, 'UN'), ...items.slice(0, 16)];
  assert.throws(() => decodeDicom(concat(writeDicom({ transferSyntax: TS.explicitBE, elements: imageElements({ rows: 4, columns: 5, bitsAllocated: 16 }) }), Uint8Array.from(cut)), opts), (e: unknown) => {
    assert.ok(e instanceof AnomalyLensError, String(e));
    assert.match(e.code, /^(FILE_TRUNCATED|DICOM_INVALID|DICOM_NO_PIXEL_DATA)$/);
    assert.equal(e.file, 'fixture.dcm');
    return true;
  });
});
