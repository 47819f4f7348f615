/** `npm run bench -- [--data root] [--quick]`: the benchmark through the CLI's bench command. */
import { runCli } from '../src/cli/cli';

// The speed section re-runs this script as `bench.ts bench --speed-task …`; accept that leading word.
const args = process.argv.slice(2);
void runCli(['bench', ...(args[0] === 'bench' ? args.slice(1) : args)]).then((code) => {
  process.exitCode = code;
});
