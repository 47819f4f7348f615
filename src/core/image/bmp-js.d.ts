// Minimal typing for bmp-js (the package ships none). Pixels come back as A,B,G,R per pixel.
declare module 'bmp-js' {
  interface BmpDecoded {
    width: number;
    height: number;
    bitPP: number;
    data: Buffer;
  }
  const bmp: {
    decode(buffer: Buffer): BmpDecoded;
    encode(img: { data: Buffer | Uint8Array; width: number; height: number }, quality?: number): { data: Buffer; width: number; height: number };
  };
  export default bmp;
}
