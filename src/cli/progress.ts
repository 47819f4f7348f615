/**
 * Progress on stderr (stdout stays clean for --json): a redrawn bar on a terminal, plain
 * periodic lines otherwise (logs, CI), nothing with --quiet.
 */
import type { ProgressEvent } from '../core/api';
import type { CliIo } from './io';

export interface Progress {
  update(p: ProgressEvent): void;
  /** A log line that must not be garbled by the bar. */
  log(line: string): void;
  done(): void;
}

const WIDTH = 28;

export function createProgress(io: CliIo, opts: { quiet?: boolean; intervalMs?: number } = {}): Progress {
  const interval = opts.intervalMs ?? (io.errIsTTY ? 100 : 5000);
  let lastAt = -Infinity;
  let lastStage = '';
  let barShown = false;
  const clear = (): void => {
    if (barShown) io.err('\r\x1b[2K');
    barShown = false;
  };
  const line = (p: ProgressEvent): string => {
    const pct = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    const loss = p.loss !== undefined ? ` loss ${p.loss.toPrecision(3)}` : '';
    const msg = p.message ? ` ${p.message}` : '';
    if (!io.errIsTTY) return `${p.stage}: ${p.done}/${p.total} (${Math.round(pct * 100)}%)${loss}${msg}`;
    const fill = Math.round(pct * WIDTH);
    return `${p.stage.padEnd(11)} [${'#'.repeat(fill)}${'-'.repeat(WIDTH - fill)}] ${p.done}/${p.total}${loss}${msg}`.slice(0, 110);
  };
  return {
    update(p) {
      if (opts.quiet) return;
      const t = io.now();
      const finished = p.total > 0 && p.done >= p.total;
      const stageChanged = p.stage !== lastStage;
      if (!stageChanged && !finished && t - lastAt < interval) return;
      lastAt = t;
      lastStage = p.stage;
      if (io.errIsTTY) {
        io.err(`\r\x1b[2K${line(p)}`);
        barShown = true;
        if (finished) {
          io.err('\n');
          barShown = false;
        }
      } else {
        io.err(`${line(p)}\n`);
      }
    },
    log(l) {
      if (opts.quiet) return;
      clear();
      io.err(`${l}\n`);
    },
    done() {
      clear();
    },
  };
}
