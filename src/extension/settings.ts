/** Typed access to the `anomalyLens.*` settings (declared in package.json contributes.configuration). */
import * as vscode from 'vscode';
import type { Device } from '../shared/run';
import type { ThresholdMode, TileSetting } from '../shared/model';
import { DEFAULT_BACKBONE } from '../core/method/options';
import { parseTileSetting } from '../core/tiling/plan';
import { parseFewShotViews, parseImageScoreMode, type FewShotViews, type ImageScoreMode } from './imageScoreMode';

export type AutoFlagMode = 'ask' | 'always' | 'never';

export interface Settings {
  backbone: string;
  /**
   * How image scores are read from the map for new models: auto = the engine's defaults (top 2 %),
   * local = top 2 % only, wholeImage = map mean only.
   */
  imageScore: ImageScoreMode;
  fewShotViews: FewShotViews;
  device: Device;
  inputSize: number;
  /** Tiling for new models: 'auto', 'off' or a tile side in pixels. */
  tiling: TileSetting;
  thresholdMode: ThresholdMode;
  manualThreshold: number | null;
  sensitivity: number;
  annotationFolder: string;
  include: string;
  exclude: string;
  maxImagePixels: number;
  workerThreads: number;
  scanWorkers: number;
  autoFlag: AutoFlagMode;
  autoScan: boolean;
  defectClasses: string[];
  uncertainBand: number;
  watcherDebounceMs: number;
  watcherMaxQueue: number;
  heatmapOpacity: number;
  heatmapMode: 'filled' | 'contour';
  brushSize: number;
}

export const SECTION = 'anomalyLens';

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const num = (k: string, d: number) => {
    const v = c.get<number>(k, d);
    return typeof v === 'number' && Number.isFinite(v) ? v : d;
  };
  const manual = c.get<number | null>('manualThreshold', null);
  return {
    backbone: c.get<string>('backbone', DEFAULT_BACKBONE) || DEFAULT_BACKBONE,
    imageScore: parseImageScoreMode(c.get<string>('imageScore', 'auto')),
    fewShotViews: parseFewShotViews(c.get<string>('fewShotViews', 'auto')),
    device: c.get<Device>('device', 'auto'),
    inputSize: num('inputSize', 224),
    tiling: tilingSetting(c.get<string | number>('tiling', 'auto')),
    thresholdMode: c.get<ThresholdMode>('thresholdMode', 'f1'),
    manualThreshold: typeof manual === 'number' && Number.isFinite(manual) ? manual : null,
    sensitivity: Math.min(1, Math.max(0, num('sensitivity', 0.5))),
    annotationFolder: c.get<string>('annotationFolder', '.anomaly-lens/annotations') || '.anomaly-lens/annotations',
    include: c.get<string>('include', '**/*.{png,PNG,jpg,JPG,jpeg,JPEG,tif,TIF,tiff,TIFF,bmp,BMP,dcm,DCM,dicom,DICOM}'),
    exclude: c.get<string>('exclude', '{**/node_modules/**,**/.git/**,**/.anomaly-lens/**}'),
    maxImagePixels: num('maxImagePixels', 100_000_000),
    workerThreads: num('workerThreads', 0),
    scanWorkers: Math.max(0, Math.floor(num('scanWorkers', 0))),
    autoFlag: c.get<AutoFlagMode>('autoFlag', 'ask'),
    autoScan: c.get<boolean>('autoScan', true),
    defectClasses: (c.get<string[]>('defectClasses', ['defect']) ?? []).filter((s) => typeof s === 'string' && s.trim() !== ''),
    uncertainBand: Math.min(0.5, Math.max(0, num('review.uncertainBand', 0.1))),
    watcherDebounceMs: num('watcher.debounceMs', 1500),
    watcherMaxQueue: Math.max(1, num('watcher.maxQueue', 500)),
    heatmapOpacity: Math.min(1, Math.max(0, num('heatmap.opacity', 0.5))),
    heatmapMode: c.get<'filled' | 'contour'>('heatmap.mode', 'filled'),
    brushSize: Math.max(1, num('review.brushSize', 16)),
  };
}

/** The tiling setting; a value parseTileSetting refuses reads as 'auto'. */
export function tilingSetting(v: unknown): TileSetting {
  try {
    return parseTileSetting(String(v ?? 'auto'));
  } catch {
    return 'auto';
  }
}
