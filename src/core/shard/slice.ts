/**
 * Deterministic sharding of a scan: image → shard by the SHA-1 of its result name (the path
 * relative to the scanned folder, forward slashes), so every machine computes the same split
 * without talking to the others (a Kubernetes Indexed Job, a Ray task or a CI matrix entry).
 */
import { createHash } from 'node:crypto';
import { AnomalyLensError } from '../../shared/errors';

export interface Shard {
  /** 0-based index of this shard. */
  index: number;
  count: number;
}

/** Parses "i/n" (0 ≤ i < n). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count) || !Number.isSafeInteger(count)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `--shard must be i/n with 0 ≤ i < n, got "${text}"`, {
      hint: 'shards are numbered from 0, e.g. --shard 0/4 … --shard 3/4 ($JOB_COMPLETION_INDEX in a Kubernetes Indexed Job)',
    });
  }
  return { index, count };
}

export const shardLabel = (s: Shard): string => `${s.index}/${s.count}`;

/** The shard of a name: the first 8 bytes of SHA-1 (big-endian) modulo n. Backslashes count as '/'. */
export function shardOf(name: string, count: number): number {
  const key = name.replace(/\\/g, '/');
  const digest = createHash('sha1').update(key, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

export function inShard<T extends { name: string }>(items: T[], shard: Shard): T[] {
  return items.filter((it) => shardOf(it.name, shard.count) === shard.index);
}
