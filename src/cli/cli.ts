/**
 * `anomaly-lens` dispatcher. Exit codes: 0 ok, 1 failure (one line `error: CODE file: reason (hint)`
 * on stderr), 2 usage error (with a pointer to --help).
 */
import { describeError, toErrorInfo } from '../shared/errors';
import { UsageError } from './args';
import { benchCommand, BENCH_HELP } from './commands/bench';
import { demoCommand, DEMO_HELP } from './commands/demo';
import { evalCommand, EVAL_HELP } from './commands/eval';
import { exportCommand, EXPORT_HELP } from './commands/export';
import { mergeCommand, MERGE_HELP } from './commands/merge';
import { scanCommand, SCAN_HELP } from './commands/scan';
import { trainCommand, TRAIN_HELP } from './commands/train';
import { processIo, type CliIo } from './io';
import { TOOL_VERSION } from '../core/version';

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP, summary: 'train a detector from normal images' },
  scan: { run: scanCommand, help: SCAN_HELP, summary: 'score a folder: scores, heatmaps, annotations, report' },
  eval: { run: evalCommand, help: EVAL_HELP, summary: 'image AUROC, pixel AUROC and PRO on a labelled dataset' },
  bench: { run: benchCommand, help: BENCH_HELP, summary: 'benchmark against PatchCore; writes docs/benchmarks.md' },
  demo: { run: demoCommand, help: DEMO_HELP, summary: 'generate samples, train, scan, print the findings' },
  export: { run: exportCommand, help: EXPORT_HELP, summary: 'write the detector as one ONNX file (+ Triton config)' },
  merge: { run: mergeCommand, help: MERGE_HELP, summary: 'combine sharded scan outputs into one report' },
};

export const USAGE = `anomaly-lens ${TOOL_VERSION} — find anomalies in images from a few normal examples

usage: anomaly-lens <command> [options]     (anomaly-lens <command> --help for its options)

${Object.entries(COMMANDS)
  .map(([k, c]) => `  ${k.padEnd(7)} ${c.summary}`)
  .join('\n')}

exit codes: 0 ok, 1 failure (one line on stderr), 2 usage error`;

/** One line, whatever the error carries (messages from libraries can span lines). */
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${TOOL_VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`usage: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see anomaly-lens --help)\n`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`usage: ${oneLine(e.message)} (see anomaly-lens ${name} --help)\n`);
      return 2;
    }
    const info = toErrorInfo(e);
    if (info.code === 'BAD_ARGUMENT' && !info.file) {
      io.err(`usage: ${oneLine(info.message)}${info.hint ? ` (${oneLine(info.hint)})` : ''}\n`);
      return 2;
    }
    io.err(`error: ${oneLine(describeError(info))}\n`);
    if (io.env.ANOMALY_LENS_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    return 1;
  }
}
