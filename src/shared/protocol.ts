/**
 * The typed message protocol between the extension host and the review editor webview.
 *
 * Envelope: every request (either direction) carries an `id` and gets exactly one `response`
 * with the same id, `ok: true` + `result` or `ok: false` + `error` (ErrorInfo). Notifications
 * carry no id and get no reply. Handshake: the webview sends the `ready` request; its result is
 * the `InitPayload`. The host may push a fresh `init` notification later (same document reloaded).
 *
 * Pixel data travels as ArrayBuffer fields (structured clone moves them as binary), never as
 * JSON arrays of numbers. All region coordinates are IMAGE pixel coordinates.
 */
import type { AnnotationLabel, AnnotationStatus } from './annotation';
import type { ErrorInfo } from './errors';
import type { DisplayWindow, ImageFormat } from './image';
import type { ModelGeometry } from './model';
import type { AnomalyExtent, Region } from './regions';

export type { Region, PolygonRegion, MaskRegion, RleMask } from './regions';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Payload types

export type PixelDtype = 'uint8' | 'uint16' | 'int16' | 'int32' | 'float32';

/** One frame's samples, as stored (full bit depth), interleaved `channels` per pixel, row-major. */
export interface FramePixels {
  frame: number;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  dtype: PixelDtype;
  /** width * height * channels samples of `dtype`. */
  data: ArrayBuffer;
}

/** What the webview needs to display an image; no patient-identifying data. */
export interface ImageInfo {
  /** Workspace-relative path, for display. */
  path: string;
  format: ImageFormat;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  bitDepth: number;
  frameCount: number;
  /** Modality value = stored * slope + intercept; window/level works on modality values. */
  rescale: { slope: number; intercept: number };
  /** Display windows from the file (DICOM VOI presets); the first is the default. */
  windows: DisplayWindow[];
  /** MONOCHROME1: high values are dark. */
  invert: boolean;
  modality?: string;
  /** DICOM Pixel Spacing in mm: [between rows, between columns]; absent = measure in pixels. */
  pixelSpacing?: [number, number];
}

/**
 * The anomaly map as NORMALISED scores (0.5 = threshold, clipped to [0, 1]) at a reduced
 * resolution (≤ 512 px on the long side), covering `bounds` of the image (default: all of it).
 */
export interface HeatmapData {
  frame: number;
  width: number;
  height: number;
  /** Float32Array of width * height normalised scores, row-major. */
  data: ArrayBuffer;
  /** Image-pixel rectangle the map covers; absent = the whole image. */
  bounds?: { x: number; y: number; width: number; height: number };
}

export type Label = AnnotationLabel;
export type ReviewStatus = AnnotationStatus;

export interface ScoreInfo {
  raw: number;
  threshold: number;
  /** 0.5 + (raw - threshold) / (2 * spread), clipped to [0, 1]. */
  normalized: number;
  label: Label;
  /**
   * Distance over the threshold in units of the gap to a typical normal image (scoreMargin in
   * src/shared/scoreMargin.ts: 0 = threshold, −1 = typical normal); absent when the spread is unknown.
   */
  margin?: number;
  heatmap: HeatmapData | null;
  /** For a flagged image: 'global' when no region marks it (shown as "global anomaly, no local region"). */
  extent?: AnomalyExtent;
}

export interface ModelInfo {
  id: string;
  backbone: string;
  createdAt?: string;
  /** Whole image resized to the input, or tiles (the side panel shows it). */
  geometry?: ModelGeometry;
}

/** The reviewable part of the annotation, as the webview sees it. */
export interface ReviewState {
  status: ReviewStatus;
  label: Label;
  /**
   * Whether a scan stored a prediction for the image. false with status `predicted`: the image
   * has no annotation yet (not scanned, not reviewed), so `label` says nothing about it.
   */
  scanned: boolean;
  /** The reviewer's regions (the answer). */
  regions: Region[];
  /** The model's regions: provenance, shown as an outline, never saved as the answer. */
  predicted: Region[];
  /** Position in the review queue after this state (`reviewed`: it left the queue), when the host has one. */
  queue?: { index: number; total: number; reviewed?: boolean };
  /** Opaque token of the stored annotation (e.g. mtime+hash); sent back to detect conflicts. */
  revision: string | null;
  updatedAt?: string;
}

export type OverlayMode = 'filled' | 'contour';

export interface DisplayDefaults {
  heatmapVisible: boolean;
  /** 0..1 */
  opacity: number;
  mode: OverlayMode;
}

export interface ReviewSettings {
  /** Untrusted workspace or read-only annotations: tools that write are disabled. */
  readOnly: boolean;
  /** Delay before edits are saved to the host. */
  saveDebounceMs: number;
  /** Default brush diameter in image pixels. */
  brushSize: number;
}

export type ImageLoad =
  | { ok: true; info: ImageInfo; /** Frame 0, so the first paint needs no round trip. */ frame: FramePixels }
  | { ok: false; error: ErrorInfo };

export interface InitPayload {
  protocolVersion: number;
  /** File name for the title area (even when decoding failed). */
  fileName: string;
  image: ImageLoad;
  score: ScoreInfo | null;
  model: ModelInfo | null;
  review: ReviewState;
  /** User-defined defect classes; the webview offers these in its picker. */
  defectClasses: string[];
  display: DisplayDefaults;
  settings: ReviewSettings;
  /** Position in the review queue, when the host has one. */
  queue?: { index: number; total: number };
  /** Undo history the webview stashed for this image earlier in the VS Code session. */
  history?: EditHistory;
  /** The DICOM series this file belongs to (file names in stack order), when it has other files. */
  stack?: SeriesStack;
}

/**
 * The single-frame files of one DICOM series in one folder, ordered by Instance Number, then
 * position along the slice normal. The wheel steps through them like frames; annotations stay
 * per file (the opened one, at `index`).
 */
export interface SeriesStack {
  index: number;
  files: string[];
}

/** Most files a series stack holds (larger folders are not stacked). */
export const MAX_STACK_FILES = 1000;

/**
 * The webview's undo/redo steps for one image, kept by the host for the VS Code session and
 * handed back when the image opens again. Opaque to the host; valid only at `revision`.
 */
export interface EditHistory {
  revision: string | null;
  undo: unknown[];
  redo: unknown[];
}

/** Most undo steps the host keeps per image. */
export const HISTORY_MAX_STEPS = 200;

/** Commands the host can forward to the webview (palette, menus, contributed keybindings). */
export type WebviewCommand =
  | 'accept'
  | 'reject'
  | 'toggleHeatmap'
  | 'brush'
  | 'eraser'
  | 'polygon'
  | 'pan'
  | 'windowLevel'
  | 'undo'
  | 'redo'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'zoom1'
  | 'help'
  | 'next'
  | 'previous'
  | 'toggleOverlays'
  | 'togglePrediction';

export const WEBVIEW_COMMANDS: readonly WebviewCommand[] = [
  'accept', 'reject', 'toggleHeatmap', 'brush', 'eraser', 'polygon', 'pan', 'windowLevel',
  'undo', 'redo', 'zoomIn', 'zoomOut', 'zoomFit', 'zoom1', 'help', 'next', 'previous', 'toggleOverlays', 'togglePrediction',
];

// ---------------------------------------------------------------------------------------------
// Method maps: name → params and result

/** Requests the webview sends; the host answers each one. */
export type WebviewRequests = {
  ready: { params: { protocolVersion: number }; result: InitPayload };
  getFrame: { params: { frame: number }; result: FramePixels };
  /** The pixels of the series stack's file at `index` (its first frame). */
  getSlice: { params: { index: number }; result: FramePixels };
  /** Mark the image anomalous and confirmed (keeps regions). */
  accept: { params: { baseRevision: string | null }; result: ReviewState };
  /** Mark the image normal (the prediction was wrong or it is a clean image). */
  reject: { params: { baseRevision: string | null }; result: ReviewState };
  /** Replace all regions; the host sets status `corrected`. */
  saveRegions: { params: { regions: Region[]; baseRevision: string | null }; result: ReviewState };
  /** Open the next / previous image of the review queue (J/K). */
  navigate: { params: { direction: 'next' | 'previous' }; result: { opened: boolean } };
  /** Add a defect class to anomalyLens.defectClasses; the result is the new list. */
  addDefectClass: { params: { name: string }; result: { classes: string[] } };
  /**
   * Scan the image's folder (its parent directory), or offer to train a model for it when no
   * model serves the image. Answered once the command has started.
   */
  scanFolder: { params: Record<string, never>; result: { action: 'scan' | 'train' } };
};

/** Notifications the webview sends (no reply). */
export type WebviewNotifications = {
  /** An unexpected webview failure, for the output channel. */
  reportError: { message: string; detail?: string };
  /** Keep this image's undo history for when it is opened again. */
  stashHistory: EditHistory;
};

/** Requests the host sends; the webview answers each one. */
export type HostRequests = {
  /** Save pending (debounced) edits now, e.g. before the panel closes or navigates. */
  flush: { params: Record<string, never>; result: { saved: boolean } };
};

/** Notifications the host sends. */
export type HostNotifications = {
  /** Full re-initialisation (the document was reloaded). */
  init: InitPayload;
  /** The annotation changed outside this webview (external edit, another command). */
  annotationChanged: { review: ReviewState; external: boolean };
  /** A rescan produced a new score (and heatmap) or the model changed. */
  scoreChanged: { score: ScoreInfo | null; model: ModelInfo | null };
  command: { command: WebviewCommand };
};

// ---------------------------------------------------------------------------------------------
// Envelopes

export interface RequestMap {
  [method: string]: { params: unknown; result: unknown };
}

export type RequestMessage<M extends RequestMap, K extends keyof M = keyof M> = {
  [P in K]: { type: 'request'; id: number; method: P; params: M[P]['params'] };
}[K];

export type NotificationMessage<N, K extends keyof N = keyof N> = {
  [P in K]: { type: 'notification'; method: P; params: N[P] };
}[K];

export type ResponseMessage<R = unknown> =
  | { type: 'response'; id: number; ok: true; result: R }
  | { type: 'response'; id: number; ok: false; error: ErrorInfo };

/** Everything the webview may post to the host (validated on the host by validate.ts). */
export type WebviewToHostMessage =
  | RequestMessage<WebviewRequests>
  | NotificationMessage<WebviewNotifications>
  | ResponseMessage;

/** Everything the host may post to the webview. */
export type HostToWebviewMessage =
  | RequestMessage<HostRequests>
  | NotificationMessage<HostNotifications>
  | ResponseMessage;

export type WebviewRequestMethod = keyof WebviewRequests;
export const WEBVIEW_REQUEST_METHODS: readonly WebviewRequestMethod[] = [
  'ready', 'getFrame', 'getSlice', 'accept', 'reject', 'saveRegions', 'navigate', 'addDefectClass', 'scanFolder',
];
export const WEBVIEW_NOTIFICATION_METHODS: readonly (keyof WebviewNotifications)[] = ['reportError', 'stashHistory'];

/** Default time a request may take before it fails with TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Long side of the heatmap sent to the webview. */
export const HEATMAP_MAX_SIDE = 512;
