/**
 * Messages between the extension host and the engine worker (worker_threads).
 *
 * - Every `request` gets exactly one `result` or `error` (ErrorInfo) with its id. If the worker
 *   dies, the host client rejects every pending request with a typed INTERNAL error.
 * - While a request runs the worker may send `progress` and `item` (streamed results) with its id.
 * - `cancel` aborts a request; the worker answers it with a CANCELLED error.
 * - The worker never reads images itself: it sends `read` (a URI string) and the host answers
 *   with `readResult`, reading through vscode.workspace.fs. Bytes travel as transferables.
 *
 * Types the engine shares with the protocol (Device, progress) live in ./run. WORKER_PROTOCOL_VERSION
 * (reported by `ping`) changes whenever a method or a value changes shape.
 */
import type { AnnotationImage } from './annotation';
import type { ErrorInfo } from './errors';
import type { MethodOptions, ModelGeometry, PreprocessOptions, TileSetting } from './model';
import type { ImageLoad, HeatmapData } from './protocol';
import type { AnomalyExtent, Region } from './regions';
import type { Device, ProgressEvent } from './run';

export const WORKER_PROTOCOL_VERSION = 2;

/** Progress travels as the engine reports it. */
export type WorkerProgress = ProgressEvent;

/** An image the worker may ask the host to read. */
export interface SourceRef {
  /** Workspace-relative path (stable name in results). */
  name: string;
  /** URI string the host can read (vscode.Uri.toString()). */
  uri: string;
  frame?: number;
  /** sha256 of the last scan with the same model: when the bytes still hash to it, scoring is skipped. */
  knownSha256?: string;
}

export interface WorkerTrainOptions {
  backbone?: string;
  device?: Device;
  threads?: number;
  /** Worker threads extracting training features (0/undefined = automatic, 1 = none). */
  workers?: number;
  maxPixels?: number;
  method?: Partial<MethodOptions>;
  preprocess?: Partial<PreprocessOptions>;
  /** Cut images into tiles: 'auto', 'off' or a tile side in pixels. */
  tile?: TileSetting;
}

/** How the worker runs a model: loading, scanning and scoring. */
export interface WorkerRuntimeOptions {
  device?: Device;
  threads?: number;
  /** Worker threads for a folder scan (0/undefined = automatic, 1 = none). */
  workers?: number;
  maxPixels?: number;
  /** A manual threshold (raw units) replacing the model's for normalised scores and regions. */
  threshold?: number;
}

/** What the host shows about a model (status bar, score panel). */
export interface ModelSummary {
  id: string;
  dir: string;
  backbone: string;
  createdAt: string;
  threshold: number;
  thresholdMode: string;
  spread: number;
  trainingImages: number;
  /** Input geometry (absent in a model.json without preprocessing settings). */
  geometry?: ModelGeometry;
  /** The execution provider the runtime picked (e.g. 'cpu', 'cuda'). */
  device?: string;
}

/** A provider that can run graphs: every device setting but `auto`. */
export type DeviceProvider = Exclude<Device, 'auto'>;

/** One setting a person can pick on this platform: whether it runs here, and what runs or why not. */
export interface DeviceOptionInfo {
  setting: Device;
  /** For people: "CPU", "WebGPU", "auto". */
  title: string;
  available: boolean;
  /** What runs ("GPU: WebGPU/Vulkan, NVIDIA H100") or why it cannot. */
  detail: string;
}

/** What a device setting runs on in the worker, and (when asked) what else can run here. */
export interface DeviceReport {
  setting: Device;
  /** The provider that runs; absent when the setting names a provider that cannot run here (see error). */
  provider?: DeviceProvider;
  /** For people: "CPU", "WebGPU", "CUDA". */
  title?: string;
  /** The CLI's first line: "GPU: WebGPU/Vulkan, NVIDIA H100" or "CPU: no GPU adapter found (WebGPU: …)". */
  line: string;
  /** GPU providers of this platform `auto` passed over, each with why. */
  skipped: { provider: DeviceProvider; title: string; reason: string }[];
  /** DEVICE_UNAVAILABLE when the setting names a provider that cannot run here. */
  error?: ErrorInfo;
  /** The settings of this platform, only when the request asked for them. */
  options?: DeviceOptionInfo[];
}

/** Image facts for the annotation file (all but its path); never DICOM metadata. */
export type ScannedImage = Omit<AnnotationImage, 'path'>;

export type ScanItem =
  | ({
      kind: 'scored';
      name: string;
      score: number;
      normalized: number;
      threshold: number;
      anomalous: boolean;
      /** Where the map reaches the pixel threshold (one mask region), or none. */
      regions: Region[];
      /** For a flagged image: 'global' when no region marks it ("global anomaly, no local region"). */
      extent?: AnomalyExtent;
    } & ScannedImage)
  | { kind: 'cached'; name: string; sha256: string }
  | { kind: 'failed'; name: string; error: ErrorInfo };

export interface ScanSummary {
  scored: number;
  cached: number;
  failed: number;
  seconds: number;
}

export interface ScoreDetail {
  name: string;
  image: ScannedImage;
  score: number;
  normalized: number;
  threshold: number;
  anomalous: boolean;
  regions: Region[];
  extent?: AnomalyExtent;
  heatmap: HeatmapData;
  model: ModelSummary;
}

/** Method name → params and result. */
export type WorkerMethods = {
  ping: { params: Record<string, never>; result: { protocolVersion: number; pid: number } };
  /** Loads (or reuses) a model; MODEL_BACKBONE_MISMATCH when it no longer fits its backbone. */
  loadModel: { params: { dir: string } & WorkerRuntimeOptions; result: ModelSummary };
  /** Writes the model as one self-contained ONNX file plus its sidecar JSON. */
  exportOnnx: { params: { dir: string; out: string; labels: boolean }; result: { onnx: string; sidecar: string } };
  train: {
    params: { normal: SourceRef[]; anomalies: SourceRef[]; options: WorkerTrainOptions; saveDir: string };
    result: ModelSummary;
  };
  /** Fits on a folder that may hold anomalies; items stream the folder's ranking. */
  fitContaminated: {
    params: { sources: SourceRef[]; options: WorkerTrainOptions; contamination?: number; saveDir: string };
    result: ModelSummary & ScanSummary;
  };
  /** Scores images; items stream per image. */
  scan: { params: { sources: SourceRef[]; modelDir: string } & WorkerRuntimeOptions; result: ScanSummary };
  /** One image with its heatmap for the review editor. */
  score: { params: { source: SourceRef; modelDir: string; heatmapMaxSide: number } & WorkerRuntimeOptions; result: ScoreDetail };
  /** Decodes one frame for display (pixels as a transferable ArrayBuffer). */
  decode: { params: { source: SourceRef; maxPixels?: number }; result: ImageLoad };
  release: { params: Record<string, never>; result: { released: boolean } };
  /** What the device setting runs on here; `options` adds every setting of this platform (probed once per worker). */
  device: { params: { device?: Device; options?: boolean }; result: DeviceReport };
};

export type WorkerMethod = keyof WorkerMethods;
export const WORKER_METHODS: readonly WorkerMethod[] = ['ping', 'loadModel', 'exportOnnx', 'train', 'fitContaminated', 'scan', 'score', 'decode', 'release', 'device'];

/** Streamed item type per method (only the streaming ones send items). */
export type WorkerItem = ScanItem;

export type HostToWorker =
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'readResult'; readId: number; ok: true; bytes: Uint8Array }
  | { kind: 'readResult'; readId: number; ok: false; error: ErrorInfo };

export type WorkerToHost =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: ErrorInfo }
  | { kind: 'progress'; id: number; event: WorkerProgress }
  | { kind: 'item'; id: number; item: unknown }
  | { kind: 'read'; readId: number; requestId: number; uri: string }
  | { kind: 'log'; line: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Shape check of a worker message (the worker is ours, but a crash can leave garbage). */
export function isWorkerToHost(m: unknown): m is WorkerToHost {
  if (!isObj(m)) return false;
  switch (m.kind) {
    case 'result':
    case 'item':
      return isId(m.id);
    case 'error':
      return isId(m.id) && isObj(m.error) && typeof m.error.code === 'string' && typeof m.error.message === 'string';
    case 'progress':
      return isId(m.id) && isObj(m.event) && typeof m.event.stage === 'string' && typeof m.event.done === 'number' && typeof m.event.total === 'number';
    case 'read':
      return isId(m.readId) && isId(m.requestId) && typeof m.uri === 'string';
    case 'log':
      return typeof m.line === 'string';
    default:
      return false;
  }
}

export function isHostToWorker(m: unknown): m is HostToWorker {
  if (!isObj(m)) return false;
  switch (m.kind) {
    case 'request':
      return isId(m.id) && typeof m.method === 'string';
    case 'cancel':
      return isId(m.id);
    case 'readResult':
      return isId(m.readId) && (m.ok === true ? m.bytes instanceof Uint8Array : m.ok === false && isObj(m.error));
    default:
      return false;
  }
}

/** ETA in seconds from progress so far (undefined until there is something to go on). */
export function etaSeconds(done: number, total: number, elapsedSeconds: number): number | undefined {
  if (done <= 0 || total <= done || elapsedSeconds <= 0) return done >= total && total > 0 ? 0 : undefined;
  return (elapsedSeconds / done) * (total - done);
}
