/** CLI entry (bundled to dist/cli.js; bin/anomaly-lens.js requires it). */
import { runCli } from './cli';

void runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: INTERNAL ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
