/** `npm run demo`: the CLI's demo command (generate samples, train, scan, print the findings). */
import { runCli } from '../src/cli/cli';

void runCli(['demo', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
