// Minimal typing for the part of dcmjs used here (the package ships none): naturalised data sets
// (attribute keywords → values) to and from the DICOM Part 10 writer and reader.
declare module 'dcmjs' {
  type Dict = Record<string, unknown>;
  interface DicomDictInstance {
    meta: Dict;
    dict: Dict;
    write(options?: { fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Dict) => DicomDictInstance;
      DicomMessage: { readFile(part10: ArrayBuffer, options?: object): DicomDictInstance };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: object): Dict;
        naturalizeDataset(dict: Dict): Record<string, unknown>;
      };
      BitArray: {
        pack(pixels: Uint8Array): Uint8Array;
        unpack(packed: ArrayBuffer | Uint8Array): Uint8Array;
      };
    };
  };
  export default dcmjs;
}
