/**
 * A fake extension host for the webview tests: defines acquireVsCodeApi and answers the
 * protocol with generated images and heatmaps. Scenario and display options come from the URL:
 *   ?scenario=gray8|gray8-global|rgb|gray16|series|error|unscanned  &opacity=0..1  &mode=filled|contour  &classes=a,b
 *   &model=none (no model serves the image)
 *   `unscanned`: the gray8 image with no annotation file and no stored score.
 */
import type {
  EditHistory, FramePixels, HostNotifications, ImageInfo, InitPayload, ReviewState, ScoreInfo, WebviewRequests,
} from '../../../src/shared/protocol';
import { validateWebviewMessage } from '../../../src/shared/validate';

const params = new URLSearchParams(location.search);
const scenario = params.get('scenario') ?? 'gray8';

/** Heatmap blocks with known normalised scores, in heatmap cells (image = 4x). */
export const BLOCKS = [
  { x: 10, y: 10, size: 20, score: 0.5 },
  { x: 40, y: 10, size: 20, score: 0.75 },
  { x: 70, y: 10, size: 20, score: 1 },
  { x: 10, y: 40, size: 20, score: 0.4 },
];

function gray8(): { info: ImageInfo; frames: FramePixels[]; score: ScoreInfo } {
  const w = 400;
  const h = 300;
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Flat gray 100 in the top half (known pixels under the blocks), a ramp below, a dark spot.
      let v = y < 150 ? 100 : Math.round((x / (w - 1)) * 255);
      if ((x - 300) ** 2 + (y - 225) ** 2 < 400) v = 20;
      px[y * w + x] = v;
    }
  }
  const hw = 100;
  const hh = 75;
  const hm = new Float32Array(hw * hh).fill(0.1);
  for (const b of BLOCKS) for (let y = b.y; y < b.y + b.size; y++) for (let x = b.x; x < b.x + b.size; x++) hm[y * hw + x] = b.score;
  // A smooth bump around the dark spot (image 300,225 → heatmap 75,56).
  for (let y = 0; y < hh; y++) for (let x = 0; x < hw; x++) {
    const d2 = (x - 75) ** 2 + (y - 56) ** 2;
    if (d2 < 200) hm[y * hw + x] = Math.max(hm[y * hw + x], 0.95 * Math.exp(-d2 / 60));
  }
  return {
    info: { path: 'parts/bolt_017.png', format: 'png', width: w, height: h, channels: 1, bitDepth: 8, frameCount: 1, rescale: { slope: 1, intercept: 0 }, windows: [], invert: false },
    frames: [{ frame: 0, width: w, height: h, channels: 1, dtype: 'uint8', data: px.buffer }],
    score: { raw: 1.8734, threshold: 1.2, normalized: 0.83, margin: 3.3648, label: 'anomalous', heatmap: { frame: 0, width: hw, height: hh, data: hm.buffer } },
  };
}

function rgb(): { info: ImageInfo; frames: FramePixels[]; score: ScoreInfo } {
  const w = 320;
  const h = 240;
  const px = new Uint8Array(w * h * 3);
  const bars = [[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0], [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(bars[Math.floor((x / w) * 8)], (y * w + x) * 3);
  return {
    info: { path: 'pcb/board_3.jpg', format: 'jpeg', width: w, height: h, channels: 3, bitDepth: 8, frameCount: 1, rescale: { slope: 1, intercept: 0 }, windows: [], invert: false },
    frames: [{ frame: 0, width: w, height: h, channels: 3, dtype: 'uint8', data: px.buffer }],
    score: { raw: 0.4, threshold: 1.2, normalized: 0.21, label: 'normal', heatmap: null },
  };
}

function gray16Frame(k: number): FramePixels {
  const w = 256;
  const h = 200;
  const px = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = Math.min(4095, x * 16 + k * 500);
  return { frame: k, width: w, height: h, channels: 1, dtype: 'uint16', data: px.buffer };
}

function gray16(): { info: ImageInfo; frames: FramePixels[]; score: ScoreInfo } {
  const hw = 64;
  const hh = 50;
  const hm = new Float32Array(hw * hh);
  for (let y = 0; y < hh; y++) for (let x = 0; x < hw; x++) hm[y * hw + x] = Math.min(1, 0.2 + 0.8 * Math.exp(-((x - 40) ** 2 + (y - 25) ** 2) / 80));
  return {
    info: {
      path: 'ct/series1.dcm', format: 'dicom', width: 256, height: 200, channels: 1, bitDepth: 12, frameCount: 3,
      rescale: { slope: 1, intercept: -1024 }, invert: false, modality: 'CT', pixelSpacing: [0.5, 0.8],
      windows: [{ center: 1023.5, width: 4096, label: 'Full range' }, { center: 40, width: 400, label: 'Soft tissue' }],
    },
    frames: [gray16Frame(0)],
    score: { raw: 2.1, threshold: 1.2, normalized: 0.9, label: 'anomalous', heatmap: { frame: 0, width: hw, height: hh, data: hm.buffer } },
  };
}

/** One CT series as 4 single-frame files; this one is the second (its frame 0 is gray16Frame(1)). */
const SERIES_FILES = ['ct-000.dcm', 'ct-001.dcm', 'ct-002.dcm', 'ct-003.dcm'];
function series(): { info: ImageInfo; frames: FramePixels[]; score: ScoreInfo } {
  const g = gray16();
  return { ...g, info: { ...g.info, path: 'ct/ct-001.dcm', frameCount: 1 }, frames: [{ ...gray16Frame(1), frame: 0 }] };
}

const data = scenario === 'rgb' ? rgb() : scenario === 'gray16' ? gray16() : scenario === 'series' ? series() : gray8();
// Flagged by an image-level term with no pixel at the pixel threshold: a global finding.
if (scenario === 'gray8-global') data.score = { ...data.score, extent: 'global' };
let revision = 1;
/** The model's region in gray8: a 40x30 box around the first heatmap block (image 40..80, 40..70). */
const PREDICTED_BOX = [40, 40, 80, 40, 80, 70, 40, 70];
const predicted: ReviewState['predicted'] = scenario === 'gray8' ? [{ kind: 'polygon', id: 'model-1', defectClass: 'anomaly', points: PREDICTED_BOX }] : [];
const unscanned = scenario === 'unscanned';
let review: ReviewState = unscanned
  ? { status: 'predicted', label: 'normal', scanned: false, regions: [], predicted: [], revision: null }
  : { status: 'predicted', label: data.score.label, scanned: true, regions: [], predicted, revision: `rev-${revision}`, queue: { index: 2, total: 17 } };
let stashed: EditHistory | undefined;
let defectClasses = (params.get('classes') ?? 'scratch,dent,contamination').split(',').filter(Boolean);

export interface HostLog {
  received: unknown[];
  invalid: string[];
  saved: WebviewRequests['saveRegions']['params'][];
  navigations: string[];
  scanRequests: number;
  frameRequests: number[];
  sliceRequests: number[];
  stashes: number;
  state: unknown;
  cspViolations: string[];
  /** Push a host → webview notification. */
  notify<K extends keyof HostNotifications>(method: K, params: HostNotifications[K]): void;
  review(): ReviewState;
  /** Open the same image again (the host pushes init with the stashed history). */
  reopen(): void;
}

const host: HostLog = {
  received: [], invalid: [], saved: [], navigations: [], scanRequests: 0, frameRequests: [], sliceRequests: [], stashes: 0, state: undefined, cspViolations: [],
  notify: (method, p) => deliver({ type: 'notification', method, params: p }),
  review: () => review,
  reopen: () => deliver({ type: 'notification', method: 'init', params: init() }),
};
(window as unknown as { __host: HostLog }).__host = host;
document.addEventListener('securitypolicyviolation', (e) => host.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`));

function deliver(msg: unknown): void {
  // Like VS Code: asynchronous, structured-cloned (ArrayBuffers arrive as binary copies).
  const copy = structuredClone(msg);
  setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: copy })), 0);
}

function init(): InitPayload {
  const base = {
    protocolVersion: 1,
    fileName: data.info.path.split('/').pop() ?? data.info.path,
    score: unscanned ? null : data.score,
    model: params.get('model') === 'none' ? null : {
      id: 'bolts-2025-01-07-a1b2', backbone: 'mobilenetv2', createdAt: '2025-01-07T10:20:30.000Z',
      // ?geometry=whole: a model that resizes the whole image; otherwise a tiled one.
      geometry: params.get('geometry') === 'whole' ? { inputSide: 224 } : { inputSide: 224, tiling: { tile: 256, overlap: 64, scale: 256 / 224 } },
    },
    review,
    defectClasses,
    history: stashed,
    display: {
      heatmapVisible: params.get('heatmap') !== 'off',
      opacity: Number(params.get('opacity') ?? '0.8'),
      mode: (params.get('mode') ?? 'filled') as 'filled' | 'contour',
    },
    settings: { readOnly: params.get('readonly') === '1', saveDebounceMs: 50, brushSize: 10 },
    queue: review.queue,
  };
  if (scenario === 'error') {
    return { ...base, fileName: 'broken.tif', score: null, image: { ok: false, error: { code: 'DECODE_FAILED', message: 'TIFF strip 3 is truncated (expected 8192 bytes, found 1200)', file: 'scans/broken.tif', hint: 'Re-export the image; the file is incomplete.' } } };
  }
  const stack = scenario === 'series' ? { index: 1, files: SERIES_FILES } : undefined;
  return { ...base, image: { ok: true, info: data.info, frame: data.frames[0] }, stack };
}

function answer(method: string, p: Record<string, unknown>): unknown {
  switch (method) {
    case 'ready': return init();
    case 'getFrame': {
      const f = p.frame as number;
      host.frameRequests.push(f);
      if (scenario !== 'gray16' || f >= 3) throw { code: 'BAD_ARGUMENT', message: `no frame ${f}` };
      return gray16Frame(f);
    }
    case 'getSlice': {
      const i = p.index as number;
      host.sliceRequests.push(i);
      if (scenario !== 'series' || i >= SERIES_FILES.length) throw { code: 'BAD_ARGUMENT', message: `no file ${i}` };
      // Each file's own first frame: brighter with each slice.
      return { ...gray16Frame(i), frame: 0 };
    }
    case 'accept':
      review = {
        ...review, status: 'accepted', label: 'anomalous', revision: `rev-${++revision}`, queue: { index: 2, total: 16, reviewed: true },
        regions: review.regions.length ? review.regions : predicted.map((r) => ({ ...r, defectClass: defectClasses[0] })),
      };
      return review;
    case 'reject':
      review = { ...review, status: 'rejected', label: 'normal', revision: `rev-${++revision}` };
      return review;
    case 'saveRegions': {
      const save = p as WebviewRequests['saveRegions']['params'];
      host.saved.push(save);
      review = { ...review, status: 'corrected', label: 'anomalous', regions: save.regions, revision: `rev-${++revision}` };
      return review;
    }
    case 'navigate':
      host.navigations.push(p.direction as string);
      return { opened: true };
    case 'scanFolder':
      host.scanRequests++;
      return { action: params.get('model') === 'none' ? 'train' : 'scan' };
    case 'addDefectClass':
      defectClasses = [...defectClasses, p.name as string];
      return { classes: defectClasses };
    default:
      throw { code: 'MESSAGE_INVALID', message: `unknown ${method}` };
  }
}

function receive(msg: unknown): void {
  host.received.push(msg);
  // The host validates every message; the tests check the webview only sends valid ones.
  const v = validateWebviewMessage(msg);
  if (!v.ok) {
    host.invalid.push(v.reason);
    if (v.id !== undefined) deliver({ type: 'response', id: v.id, ok: false, error: { code: 'MESSAGE_INVALID', message: v.reason } });
    return;
  }
  const m = v.value;
  if (m.type === 'notification' && m.method === 'stashHistory') {
    stashed = m.params as EditHistory;
    host.stashes++;
  }
  if (m.type !== 'request') return;
  try {
    const result = answer(m.method, m.params as Record<string, unknown>);
    deliver({ type: 'response', id: m.id, ok: true, result });
  } catch (err) {
    deliver({ type: 'response', id: m.id, ok: false, error: err });
  }
}

(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
  postMessage: receive,
  getState: () => host.state,
  setState: (s: unknown) => { host.state = s; },
});
