/** Progress text for the notification: stage, count, loss and ETA (no vscode import: unit-tested). */
import { etaSeconds, type WorkerProgress } from '../shared/workerProtocol';

/** Turns a stream of worker progress into messages and bar increments (pure; the clock is passed in). */
export function progressSteps(now: () => number): (p: WorkerProgress) => { message: string; increment?: number } {
  const started = now();
  let stage = '';
  let last = 0;
  return (p) => {
    if (p.stage !== stage) {
      stage = p.stage;
      last = 0;
    }
    const frac = p.total > 0 ? p.done / p.total : 0;
    const eta = p.stage === 'scan' ? etaSeconds(p.done, p.total, (now() - started) / 1000) : undefined;
    const loss = p.loss !== undefined ? ` · loss ${p.loss.toFixed(4)}` : '';
    const etaText = eta !== undefined && eta > 0 ? ` · ETA ${formatDuration(eta)}` : '';
    const increment = p.stage === 'scan' ? Math.max(0, (frac - last) * 100) : undefined;
    last = frac;
    return { message: `${p.stage} ${p.done}/${p.total}${loss}${etaText}`, increment };
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** What one scan run did with the images it started (counted from the items the worker reported). */
export interface ScanTally {
  /** Images handed to the worker: the count the progress title announced. */
  started: number;
  scored: number;
  /** Unchanged since their annotation was written (same hash, same model and threshold). */
  cached: number;
  failed: number;
  flagged: number;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The progress title: counts exactly the images that will be scanned. */
export function scanTitle(started: number, where: string, background: boolean): string {
  return `Anomaly Lens: ${background ? 'checking' : 'scanning'} ${count(started, 'image')}${where}`;
}

/**
 * The end message. Accounts for every started image: scored + unchanged + failed + skipped =
 * started, where skipped are images the worker reported nothing for.
 */
export function scanSummary(t: ScanTally, seconds: number, where: string): string {
  const skipped = Math.max(0, t.started - t.scored - t.cached - t.failed);
  const parts = [`${t.scored} scored (${t.flagged} flagged)`, `${t.cached} unchanged`, `${t.failed} failed`];
  if (skipped) parts.push(`${skipped} skipped`);
  return `Scanned ${count(t.started, 'image')}${where} in ${seconds.toFixed(1)} s: ${parts.join(', ')}.`;
}
