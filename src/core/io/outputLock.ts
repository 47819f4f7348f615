/**
 * One writer per output folder: a lock file created exclusively, naming its holder (process, host,
 * start time). A second run into the same folder is refused instead of interleaving its results
 * with the first; a lock left by a process that no longer runs on this host is taken over.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';

export const LOCK_FILE = '.anomaly-lens.lock';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface OutputLock {
  readonly file: string;
  release(): Promise<void>;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, started: String(v.started ?? '?'), command: String(v.command ?? '?') };
  } catch {
    // unreadable or half-written: treated as held (the holder may be writing it right now)
  }
  return undefined;
}

export async function acquireOutputLock(dir: string, command: string): Promise<OutputLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return { file, release: () => fs.rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHolder(file);
    if (holder && holder.host === me.host && !running(holder.pid)) {
      await fs.rm(file, { force: true }); // stale: its process is gone
      continue;
    }
    const who = holder ? `process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.started})` : 'another process';
    throw new AnomalyLensError('OUTPUT_LOCKED', `the output folder is in use by ${who}`, {
      file: dir,
      hint: `wait for it to finish or choose another --out; if that process no longer runs, delete ${file}`,
    });
  }
  throw new AnomalyLensError('OUTPUT_LOCKED', 'the output folder lock could not be taken', { file: dir, hint: `delete ${file} if no scan is running` });
}
