/**
 * A binary DICOM Segmentation (PS3.3 A.51) of one source frame: one segment per class, one frame
 * per segment, each frame deriving from the source SOP instance (and frame number for multi-frame
 * sources). dcmjs encodes the data set (explicit VR little endian, bit-packed pixels).
 *
 * No patient or study descriptive value is copied from the source: Patient Name, ID, Birth Date,
 * Sex, Study Date/Time, Study ID, Accession Number and Referring Physician are present but empty
 * (type 2). Viewers link the segmentation to its images by Study Instance UID, Frame of Reference
 * UID and the referenced SOP Instance UIDs.
 */
import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';
import type { DicomSourceRef } from '../image/dicom/sourceRef';

export const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Private coding scheme of the segment types: the code meaning is the class name. */
export const CLASS_CODING_SCHEME = '99ANOMALYLENS';

export interface SegSegment {
  /** The class name: the segment label and the meaning of its type code. */
  label: string;
  /** rows × columns, row-major; nonzero = inside the segment. */
  mask: Uint8Array;
}

export interface SegOptions {
  toolVersion: string;
  now?: Date;
  /** New UIDs (series, instance, dimension organisation); 2.25 UUID-derived by default. */
  uid?: () => string;
  seriesDescription?: string;
}

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
const uuidUid = (): string => `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
const pad2 = (n: number): string => String(n).padStart(2, '0');
const da = (d: Date): string => `${d.getFullYear()}${pad2(d.getMonth() + 1)}${pad2(d.getDate())}`;
const tm = (d: Date): string => `${pad2(d.getHours())}${pad2(d.getMinutes())}${pad2(d.getSeconds())}`;
/** An LO value: at most 64 characters, no backslash (the value separator) or control characters. */
const lo = (s: string): string => [...s.replace(/[\\\u0000-\u001f]/g, ' ')].slice(0, 64).join('');

/** A short, stable code value (SH, 16 characters) for a class name. */
export function classCodeValue(name: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `AL${h.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** The Part 10 bytes of the segmentation; segments without pixels are left out. */
export function buildDicomSeg(source: DicomSourceRef, segments: readonly SegSegment[], opts: SegOptions): Uint8Array {
  const { rows, columns } = source;
  const kept = segments.filter((s) => s.mask.some((v) => v !== 0));
  if (kept.length === 0) throw new Error('a segmentation needs at least one segment with pixels');
  for (const s of kept) if (s.mask.length !== rows * columns) throw new Error(`segment "${s.label}" has ${s.mask.length} pixels; the source frame has ${rows}×${columns}`);
  const uid = opts.uid ?? uuidUid;
  const now = opts.now ?? new Date();
  const sopInstanceUid = uid();
  const dimensionUid = uid();
  const geometry = source.frameOfReferenceUid !== undefined && source.imagePosition !== undefined && source.imageOrientation !== undefined;
  const sourceItem = {
    ReferencedSOPClassUID: source.sopClassUid,
    ReferencedSOPInstanceUID: source.sopInstanceUid,
    ...(source.frameCount > 1 ? { ReferencedFrameNumber: source.frame + 1 } : {}),
  };

  const pixels = new Uint8Array(rows * columns * kept.length);
  kept.forEach((s, i) => pixels.set(s.mask, i * rows * columns));
  const perFrame = kept.map((_, i) => ({
    DerivationImageSequence: [{
      SourceImageSequence: [{ ...sourceItem, PurposeOfReferenceCodeSequence: code('121322', 'DCM', 'Source image for image processing operation') }],
      DerivationCodeSequence: code('113076', 'DCM', 'Segmentation'),
    }],
    FrameContentSequence: [{ DimensionIndexValues: geometry ? [i + 1, 1] : [i + 1] }],
    ...(geometry ? { PlanePositionSequence: [{ ImagePositionPatient: source.imagePosition }] } : {}),
    SegmentIdentificationSequence: [{ ReferencedSegmentNumber: i + 1 }],
  }));
  const dimension = (pointer: number, group: number, label: string) => ({
    DimensionOrganizationUID: dimensionUid, DimensionIndexPointer: pointer, FunctionalGroupPointer: group, DimensionDescriptionLabel: label,
  });
  const shared: Record<string, unknown> = {};
  if (source.pixelSpacing || source.sliceThickness) {
    shared.PixelMeasuresSequence = [{ ...(source.pixelSpacing ? { PixelSpacing: source.pixelSpacing } : {}), ...(source.sliceThickness ? { SliceThickness: source.sliceThickness } : {}) }];
  }
  if (geometry) shared.PlaneOrientationSequence = [{ ImageOrientationPatient: source.imageOrientation }];

  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    InstanceCreationDate: da(now),
    InstanceCreationTime: tm(now),
    SOPClassUID: SEG_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: CLASS_CODING_SCHEME, CodingSchemeName: 'Anomaly Lens defect classes', CodingSchemeResponsibleOrganization: 'Anomaly Lens' }],
    StudyDate: '',
    SeriesDate: da(now),
    ContentDate: da(now),
    StudyTime: '',
    SeriesTime: tm(now),
    ContentTime: tm(now),
    AccessionNumber: '',
    Modality: 'SEG',
    Manufacturer: 'Anomaly Lens',
    ReferringPhysicianName: '',
    SeriesDescription: lo(opts.seriesDescription ?? 'Anomaly Lens reviewed regions'),
    ManufacturerModelName: 'anomaly-lens',
    ReferencedSeriesSequence: [{ SeriesInstanceUID: source.seriesInstanceUid, ReferencedInstanceSequence: [{ ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: source.sopInstanceUid }] }],
    PatientName: '',
    PatientID: '',
    PatientBirthDate: '',
    PatientSex: '',
    DeviceSerialNumber: '1',
    SoftwareVersions: opts.toolVersion,
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: uid(),
    StudyID: '',
    SeriesNumber: 1000,
    InstanceNumber: 1,
    ...(geometry ? {} : { PatientOrientation: '' }),
    ...(source.frameOfReferenceUid ? { FrameOfReferenceUID: source.frameOfReferenceUid, PositionReferenceIndicator: '' } : {}),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionUid }],
    DimensionIndexSequence: [
      dimension(0x0062000b, 0x0062000a, 'Segment Number'),
      ...(geometry ? [dimension(0x00200032, 0x00209113, 'Image Position Patient')] : []),
    ],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: kept.length,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    ContentLabel: 'ANOMALY_LENS',
    ContentDescription: 'Reviewed anomaly regions',
    ContentCreatorName: '',
    SegmentationType: 'BINARY',
    SegmentSequence: kept.map((s, i) => ({
      SegmentedPropertyCategoryCodeSequence: code('49755003', 'SCT', 'Morphologically Altered Structure'),
      SegmentNumber: i + 1,
      SegmentLabel: lo(s.label),
      SegmentAlgorithmType: 'MANUAL',
      SegmentedPropertyTypeCodeSequence: code(classCodeValue(s.label), CLASS_CODING_SCHEME, lo(s.label)),
    })),
    // Type 1: one item, empty when the source has no geometry.
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: perFrame,
    PixelData: dcmjs.data.BitArray.pack(pixels).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921603366648225212145404',
    ImplementationVersionName: 'dcmjs-0.0',
  }));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
