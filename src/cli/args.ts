/**
 * Argument parsing on node:util parseArgs, with usage errors (exit 2) kept apart from run
 * failures (exit 1).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parse(args: string[], options: Options, allowPositionals = true): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    // parseArgs messages are already specific ("Unknown option '--x'").
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

export function str(v: Values, key: string): string | undefined {
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

export function strs(v: Values, key: string): string[] {
  const x = v[key];
  if (x === undefined) return [];
  return (Array.isArray(x) ? x : [x]).filter((s): s is string => typeof s === 'string');
}

export function flag(v: Values, key: string): boolean {
  return v[key] === true;
}

export function num(v: Values, key: string, check?: (n: number) => boolean, what?: string): number | undefined {
  const s = str(v, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || (check && !check(n))) {
    throw new UsageError(`--${key} must be ${what ?? 'a number'}, got "${s}"`);
  }
  return n;
}

export const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;
export const nonNegative = (n: number): boolean => n >= 0;
export const fraction = (n: number): boolean => n > 0 && n <= 1;

export function oneOf<T extends string>(v: Values, key: string, allowed: readonly T[]): T | undefined {
  const s = str(v, key);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`--${key} must be one of ${allowed.join(', ')}, got "${s}"`);
  return s as T;
}

export function required(v: Values, key: string, command: string): string {
  const s = str(v, key);
  if (!s) throw new UsageError(`${command} needs --${key}`);
  return s;
}
