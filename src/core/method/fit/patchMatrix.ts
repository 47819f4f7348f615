/** The training views' patches as one row matrix, with where each row came from. */
import { AnomalyLensError } from '../../../shared/errors';
import type { PatchFeatures } from '../../api';

export interface PatchMatrix {
  /** n rows of D floats. */
  rows: Float32Array;
  n: number;
  D: number;
  /** Per row: the index of its view. */
  view: Uint32Array;
  /** Per row: its position in the view's patch grid. */
  pos: Uint32Array;
}

/** Refuses an empty training set or views whose feature shapes disagree. */
export function checkViews(views: readonly PatchFeatures[]): void {
  if (views.length === 0) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no normal images to train on', { hint: 'select at least one normal image' });
  const { dim, gridH, gridW } = views[0];
  for (const v of views) {
    if (v.dim !== dim || v.gridH * v.gridW === 0) {
      throw new AnomalyLensError('INTERNAL', `feature shape mismatch for ${v.name}: ${v.gridH}x${v.gridW}x${v.dim} vs ${gridH}x${gridW}x${dim}`);
    }
  }
}

export function stackPatches(views: readonly PatchFeatures[]): PatchMatrix {
  const D = views[0].dim;
  const n = views.reduce((s, v) => s + v.gridH * v.gridW, 0);
  const shared = contiguousRows(views, D);
  const rows = shared ?? new Float32Array(n * D);
  const view = new Uint32Array(n);
  const pos = new Uint32Array(n);
  let o = 0;
  views.forEach((v, vi) => {
    const P = v.gridH * v.gridW;
    if (!shared) rows.set(v.patches.subarray(0, P * D), o * D);
    view.fill(vi, o, o + P);
    for (let i = 0; i < P; i++) pos[o + i] = i;
    o += P;
  });
  return { rows, n, D, view, pos };
}

/** The views' patches as one matrix without copying, when they already sit back to back in one buffer. */
function contiguousRows(views: readonly PatchFeatures[], D: number): Float32Array | undefined {
  const first = views[0].patches;
  let end = first.byteOffset;
  for (const v of views) {
    const len = v.gridH * v.gridW * D;
    if (v.patches.buffer !== first.buffer || v.patches.byteOffset !== end || v.patches.length !== len) return undefined;
    end += len * Float32Array.BYTES_PER_ELEMENT;
  }
  return new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) / Float32Array.BYTES_PER_ELEMENT);
}

/** The rows `idx` of a row matrix, copied into a new one. */
export function gather(rows: Float32Array, D: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * D);
  for (let i = 0; i < idx.length; i++) out.set(rows.subarray(idx[i] * D, (idx[i] + 1) * D), i * D);
  return out;
}
