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
