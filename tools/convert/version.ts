/** Bumped whenever the converter's output changes, so the build step reconverts cached models. */
export const CONVERTER_VERSION = 'tfjs2onnx-1';
