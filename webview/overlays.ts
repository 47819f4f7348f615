/**
 * What is drawn over the image: the heatmap (shown only on the frame it was computed for), the
 * model's predicted outline, and the raw-image switch that hides every overlay. The settings are
 * remembered in the webview state.
 */
import type { ImageInfo, OverlayMode, ScoreInfo } from '../src/shared/protocol';
import type { LoadedFrame } from './frames';
import type { ImageView } from './view/canvas';
import type { Notices } from './view/notices';
import { buildHeatmapLayer } from './view/overlay';
import type { Toolbar } from './view/toolbar';
import { saveUiState } from './vscodeApi';

export class OverlayControls {
  /** The view and toolbar are the current image's. */
  constructor(
    private readonly view: () => ImageView,
    private readonly toolbar: () => Toolbar,
    private readonly notices: Notices,
  ) {}

  set(patch: { visible?: boolean; opacity?: number; mode?: OverlayMode }): void {
    const view = this.view();
    const o = { ...view.overlay, ...patch };
    view.overlay = o;
    this.toolbar().setOverlay(o.visible, o.opacity, o.mode, !!view.heatmap);
    saveUiState({ heatmapVisible: o.visible, opacity: o.opacity, mode: o.mode });
    view.invalidate();
  }

  toggleMode(): void {
    this.set({ mode: this.view().overlay.mode === 'filled' ? 'contour' : 'filled' });
  }

  /** The heatmap layer for the frame shown (none on other frames or other files of a series). */
  rebuildHeatmap(score: ScoreInfo | null, info: ImageInfo | null, frame: LoadedFrame | null): void {
    const view = this.view();
    const hm = score?.heatmap;
    const onFrame = !!hm && hm.frame === (frame?.pixels.frame ?? 0) && !view.otherSlice;
    view.heatmap = hm && info && onFrame ? buildHeatmapLayer(hm, info.width, info.height) : null;
    this.set({});
  }

  togglePrediction(): void {
    const view = this.view();
    view.predictionVisible = !view.predictionVisible;
    this.toolbar().setPredictionVisible(view.predictionVisible, !!view.prediction);
    saveUiState({ predictionVisible: view.predictionVisible });
    view.invalidate();
  }

  /** The raw image: every overlay hidden, or shown again. */
  toggleAll(): void {
    const view = this.view();
    view.overlaysHidden = !view.overlaysHidden;
    this.toolbar().setOverlaysHidden(view.overlaysHidden);
    this.notices.show(view.overlaysHidden ? 'Raw image: overlays hidden (X shows them).' : 'Overlays shown.');
    view.invalidate();
  }
}
