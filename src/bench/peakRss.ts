import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size in MB. On Linux it is read from VmHWM, which starts
 * afresh with the process image: `maxRSS` (getrusage) survives exec, so a child spawned by a big
 * parent (the benchmark's speed tasks) would report the parent's peak instead of its own.
 */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS / 1024;
}
