/** What an engine run executes on and reports while it runs, shared by the engine, the worker protocol and the host. */

/** onnxruntime execution provider setting; `auto` picks a GPU provider when present, else CPU. */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';

export type Stage = 'decode' | 'features' | 'selection' | 'training' | 'calibration' | 'scan';

export interface ProgressEvent {
  stage: Stage;
  done: number;
  total: number;
  message?: string;
  /** Training loss of the last epoch (training stage only). */
  loss?: number;
}
