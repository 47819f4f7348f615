import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Device } from '../../shared/run';

export interface RuntimeOptions {
  device: Device;
  /** Intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
  log?: (line: string) => void;
}

export const defaultRuntimeOptions: RuntimeOptions = { device: 'auto', threads: 0 };

/** GPU providers worth trying on this platform, best first. */
export function gpuProvidersFor(platform: NodeJS.Platform): Exclude<Device, 'auto' | 'cpu'>[] {
  if (platform === 'linux') return ['cuda'];
  if (platform === 'win32') return ['dml'];
  if (platform === 'darwin') return ['coreml'];
  return [];
}

/**
 * The CUDA provider ships as a separate library that onnxruntime-node's installer downloads;
 * without it, trying CUDA only prints a loader error, so `auto` checks for the file first.
 */
function providerLibraryPresent(provider: string): boolean {
  if (provider !== 'cuda') return true;
  try {
    const binDir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return fs.existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export interface Session {
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  readonly provider: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

/** GPU providers that failed once in this process: `auto` does not try them again (and logs once). */
const failedProviders = new Set<string>();

/**
 * Opens an onnxruntime session on the requested device. `auto` tries the platform's GPU
 * provider and falls back to CPU with one log line; an explicit GPU device that fails throws.
 */
export async function createSession(model: Uint8Array | string, opts: RuntimeOptions = defaultRuntimeOptions): Promise<Session> {
  const candidates: string[] =
    opts.device === 'auto' ? [...gpuProvidersFor(process.platform).filter((p) => !failedProviders.has(p)), 'cpu'] : [opts.device];
  let lastError: unknown;
  for (const provider of candidates) {
    if (opts.device === 'auto' && provider !== 'cpu' && !providerLibraryPresent(provider)) {
      failedProviders.add(provider);
      opts.log?.(`GPU provider '${provider}' is not installed; running on CPU.`);
      continue;
    }
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        ...(opts.threads > 0 ? { intraOpNumThreads: opts.threads } : {}),
        interOpNumThreads: 1,
        // Idle pool threads must not spin: the backbone, feature and scoring sessions run one after
        // another (and JS decodes in between), and spinning pools steal those cores.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
        // A missing GPU provider is expected; keep onnxruntime's own stderr quiet about it.
        logSeverityLevel: provider === 'cpu' ? 2 : 4,
      };
      const s =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
      return wrap(s, provider);
    } catch (err) {
      lastError = err;
      if (opts.device === 'auto' && provider !== 'cpu' && !failedProviders.has(provider)) {
        failedProviders.add(provider);
        const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
        opts.log?.(`GPU provider '${provider}' unavailable (${reason}); running on CPU.`);
      }
    }
  }
  throw lastError;
}

function wrap(s: ort.InferenceSession, provider: string): Session {
  return {
    provider,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    run: (feeds) => s.run(feeds) as Promise<Record<string, ort.Tensor>>,
    release: () => s.release(),
  };
}

export function tensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function int64Scalar(v: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from([BigInt(v)]), []);
}

export { ort };
