/** Where the CLI writes: injectable so tests run commands in-process and read what they print. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: draw progress bars instead of periodic lines. */
  errIsTTY: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  now(): number;
}

export const processIo = (): CliIo => ({
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  errIsTTY: Boolean(process.stderr.isTTY),
  cwd: process.cwd(),
  env: process.env,
  now: () => Date.now(),
});

/** Shared flags every command understands. */
export interface CommonFlags {
  json: boolean;
  quiet: boolean;
}
