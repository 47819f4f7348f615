/**
 * The VS Code webview API, typed. getState/setState hold UI state only (zoom, pan, overlay,
 * tool); review data always comes from the host.
 */
import type { OverlayMode } from '../src/shared/protocol';

export type ToolId = 'pan' | 'brush' | 'eraser' | 'polygon' | 'windowLevel' | 'length' | 'rect' | 'ellipse';

export interface UiState {
  /** The image the state belongs to; other images start fresh. */
  path?: string;
  zoom?: number;
  panX?: number;
  panY?: number;
  opacity?: number;
  mode?: OverlayMode;
  heatmapVisible?: boolean;
  predictionVisible?: boolean;
  brushSize?: number;
  defectClass?: string;
}

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;

/** acquireVsCodeApi may be called only once per webview; cache it. */
export function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export function loadUiState(): UiState {
  const s = vscodeApi().getState();
  return typeof s === 'object' && s !== null ? (s as UiState) : {};
}

export function saveUiState(patch: UiState): void {
  vscodeApi().setState({ ...loadUiState(), ...patch });
}
