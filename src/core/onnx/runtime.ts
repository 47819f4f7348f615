import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DeviceChoice, DeviceOption, deviceOptions, DeviceSetting, Provider, ProbeEnv, selectDevice, shortReason } from './device';
import { realProbeEnv } from './probe';
import { decodeModel } from './reader';

export type { DeviceSetting } from './device';

export interface RuntimeOptions {
  device: DeviceSetting;
  /** Intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
  log?: (line: string) => void;
}

export const defaultRuntimeOptions: RuntimeOptions = { device: 'auto', threads: 0 };

export interface Session {
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  readonly provider: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

/** One selection per setting per thread: probing opens a GPU context, which is worth doing once. */
const choices = new Map<DeviceSetting, Promise<DeviceChoice>>();
let probeEnv: ProbeEnv = realProbeEnv;

/** The provider a setting resolves to in this thread (probed on first use, then remembered). */
export function resolveDevice(setting: DeviceSetting, log?: (line: string) => void): Promise<DeviceChoice> {
  let c = choices.get(setting);
  if (!c) {
    c = selectDevice(setting, probeEnv, log);
    // A failed explicit choice is retried next time (the user may have fixed the machine).
    c.catch(() => choices.delete(setting));
    choices.set(setting, c);
  }
  return c;
}

let options: Promise<DeviceOption[]> | undefined;

/** Every setting with whether it runs here, probed once per thread (reusing what `auto` found). */
export function availableDevices(log?: (line: string) => void): Promise<DeviceOption[]> {
  if (!options) {
    options = resolveDevice('auto', log).then((auto) => deviceOptions(probeEnv, auto));
    options.catch(() => (options = undefined));
  }
  return options;
}

/** The platform the probe environment describes (the real one outside tests). */
export function probePlatform(): NodeJS.Platform {
  return probeEnv.platform;
}

/** Replaces the probe environment (tests) and forgets earlier choices. */
export function setProbeEnv(env: ProbeEnv): void {
  probeEnv = env;
  choices.clear();
  options = undefined;
}

/** GPU sessions that fell back to CPU, by reason: each reason is logged once per thread. */
const loggedFallbacks = new Set<string>();

function sessionOptions(provider: Provider, threads: number, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    interOpNumThreads: 1,
    // Idle pool threads must not spin: the backbone, feature and scoring sessions run one after
    // another (and JS decodes in between), and spinning pools steal those cores.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    // On a GPU onnxruntime warns about every node it places on the CPU; the placement report says it once.
    logSeverityLevel: provider === 'cpu' ? 2 : 3,
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

let profiled = 0;
/** Where to write this session's profile when ANOMALY_LENS_ORT_PROFILE names a folder (the GPU check's placement report). */
function profilePrefix(model: Uint8Array | string): string | undefined {
  const dir = process.env.ANOMALY_LENS_ORT_PROFILE;
  if (!dir) return undefined;
  let graph = 'graph';
  try {
    graph = typeof model === 'string' ? path.basename(model, '.onnx') : decodeModel(model).graph.name || graph;
  } catch {
    // An unreadable graph still gets a profile under a generic name.
  }
  return path.join(dir, `${graph.replace(/[^\w-]/g, '_')}.${process.pid}.${profiled++}`);
}

/**
 * Opens an onnxruntime session on the device the setting resolves to. Under `auto`, a graph the
 * GPU provider refuses runs on CPU (one log line per reason); an explicit GPU device that fails
 * throws.
 */
export async function createSession(model: Uint8Array | string, opts: RuntimeOptions = defaultRuntimeOptions): Promise<Session> {
  const choice = await resolveDevice(opts.device, opts.log);
  const prefix = profilePrefix(model);
  const open = async (provider: Provider): Promise<Session> => {
    const o = sessionOptions(provider, opts.threads, prefix);
    const s = typeof model === 'string' ? await ort.InferenceSession.create(model, o) : await ort.InferenceSession.create(model, o);
    return wrap(s, provider, !!prefix);
  };
  if (choice.provider === 'cpu') return open('cpu');
  try {
    return await open(choice.provider);
  } catch (err) {
    if (opts.device !== 'auto') throw err;
    const reason = shortReason(err);
    if (!loggedFallbacks.has(reason)) {
      loggedFallbacks.add(reason);
      opts.log?.(`device: a graph could not open on ${choice.provider} (${reason}); it runs on CPU`);
    }
    return open('cpu');
  }
}

function wrap(s: ort.InferenceSession, provider: string, profiling: boolean): Session {
  return {
    provider,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    run: (feeds) => s.run(feeds) as Promise<Record<string, ort.Tensor>>,
    release: async () => {
      if (profiling) s.endProfiling();
      await s.release();
    },
  };
}

export function tensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function int64Scalar(v: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from([BigInt(v)]), []);
}

export { ort };
