/**
 * Which onnxruntime execution provider runs the graphs. `auto` tries the GPU providers in a fixed
 * order and takes the first that opens and runs a tiny graph; every other setting names one
 * provider. The probe environment is injected so the order and each fallback are testable
 * without a GPU.
 */
import { AnomalyLensError } from '../../shared/errors';

export type GpuProvider = 'cuda' | 'webgpu' | 'dml' | 'coreml';
export type Provider = 'cpu' | GpuProvider;
export type DeviceSetting = 'auto' | Provider;

export const DEVICE_SETTINGS: readonly DeviceSetting[] = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

/** What `auto` tries, best first; CPU follows them all. */
export const AUTO_ORDER: readonly GpuProvider[] = ['cuda', 'webgpu', 'dml', 'coreml'];

const PLATFORM_ONLY: Partial<Record<GpuProvider, NodeJS.Platform>> = { dml: 'win32', coreml: 'darwin' };

/** Whether a provider is a candidate on this platform (DirectML and CoreML are not, elsewhere). */
export function onThisPlatform(provider: GpuProvider, platform: NodeJS.Platform): boolean {
  const only = PLATFORM_ONLY[provider];
  return !only || only === platform;
}

/** The graphics API WebGPU runs on, per platform (Dawn's default backend). */
export function webgpuBackend(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'D3D12' : platform === 'darwin' ? 'Metal' : 'Vulkan';
}

export const PROVIDER_TITLE: Record<Provider, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  coreml: 'CoreML',
};

export interface ProbeEnv {
  platform: NodeJS.Platform;
  /** Providers the onnxruntime binary knows, and whether each ships inside it. */
  backends(): { name: string; bundled: boolean }[];
  /** Whether a provider that does not ship inside the binary (CUDA) was installed beside it. */
  libraryPresent(provider: GpuProvider): boolean;
  /** Why the provider cannot start, found without starting it (a missing loader), or undefined. */
  missingPrerequisite(provider: GpuProvider): string | undefined;
  /** Opens and runs a tiny graph on the provider; throws why it cannot. */
  tryProvider(provider: GpuProvider): Promise<void>;
  /** The GPU's name where the operating system tells it cheaply. */
  adapterName(): string | undefined;
}

export interface SkippedProvider {
  provider: GpuProvider;
  reason: string;
}

export interface DeviceChoice {
  provider: Provider;
  /** For people: "GPU: WebGPU/Vulkan, NVIDIA H100 80GB HBM3" or "CPU: no GPU adapter found". */
  label: string;
  /** GPU providers passed over, each with why. */
  skipped: SkippedProvider[];
}

export const NO_GPU_LABEL = 'CPU: no GPU adapter found';

/** Why a provider cannot run here without trying it (wrong platform, not in this build), or undefined. */
function unavailableReason(provider: GpuProvider, env: ProbeEnv): string | undefined {
  const only = PLATFORM_ONLY[provider];
  if (only && only !== env.platform) return `${PROVIDER_TITLE[provider]} runs on ${only} only`;
  const known = env.backends().find((b) => b.name === provider);
  if (!known) return `this onnxruntime build has no ${PROVIDER_TITLE[provider]} provider`;
  if (!known.bundled && !env.libraryPresent(provider)) return `the ${PROVIDER_TITLE[provider]} provider library is not installed`;
  return env.missingPrerequisite(provider);
}

export function gpuLabel(provider: GpuProvider, env: Pick<ProbeEnv, 'platform' | 'adapterName'>): string {
  const api = provider === 'webgpu' ? `WebGPU/${webgpuBackend(env.platform)}` : PROVIDER_TITLE[provider];
  const adapter = env.adapterName();
  return `GPU: ${api}${adapter ? `, ${adapter}` : ''}`;
}

/** First line of an error from onnxruntime (its messages carry a source path and a long tail). */
export function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0].trim();
  const wgpu = /Failed to get a WebGPU adapter[^]*$/.exec(line);
  return (wgpu ? wgpu[0] : line.replace(/^\S*\.(cc|cpp|h):\d+\s+/, '')).slice(0, 200);
}

/**
 * Resolves a device setting to one provider. `auto` probes each GPU provider in AUTO_ORDER and
 * logs one line per provider passed over; an explicit GPU provider that cannot run throws
 * DEVICE_UNAVAILABLE (the user asked for it, so silently using the CPU would mislead).
 */
export async function selectDevice(setting: DeviceSetting, env: ProbeEnv, log?: (line: string) => void): Promise<DeviceChoice> {
  if (setting === 'cpu') return { provider: 'cpu', label: 'CPU: chosen in the device setting', skipped: [] };
  if (setting !== 'auto') {
    const reason = unavailableReason(setting, env) ?? (await probeReason(setting, env));
    if (reason) {
      throw new AnomalyLensError('DEVICE_UNAVAILABLE', `${PROVIDER_TITLE[setting]} cannot run here: ${reason}`, {
        hint: 'choose device "auto" (the best provider that runs here) or "cpu"',
      });
    }
    return { provider: setting, label: gpuLabel(setting, env), skipped: [] };
  }
  const skipped: SkippedProvider[] = [];
  for (const provider of AUTO_ORDER) {
    const reason = unavailableReason(provider, env) ?? (await probeReason(provider, env));
    if (!reason) return { provider, label: gpuLabel(provider, env), skipped };
    skipped.push({ provider, reason });
    // Providers of other platforms are never candidates: not worth a line.
    if (onThisPlatform(provider, env.platform)) log?.(`device: ${PROVIDER_TITLE[provider]} not used (${reason})`);
  }
  return { provider: 'cpu', label: NO_GPU_LABEL, skipped };
}

async function probeReason(provider: GpuProvider, env: ProbeEnv): Promise<string | undefined> {
  try {
    await env.tryProvider(provider);
    return undefined;
  } catch (err) {
    return shortReason(err);
  }
}

/** One entry per setting a person can pick here: what runs, or why it cannot. */
export interface DeviceOption {
  setting: DeviceSetting;
  available: boolean;
  /** The label of what runs ("GPU: …"/"CPU: …") or why it cannot. */
  detail: string;
}

/**
 * The settings that can run on this machine (plus the reasons for those that cannot). `auto`, when
 * the caller resolved it already, spares probing the providers it passed over a second time.
 */
export async function deviceOptions(env: ProbeEnv, resolvedAuto?: DeviceChoice): Promise<DeviceOption[]> {
  const auto = resolvedAuto ?? (await selectDevice('auto', env));
  const out: DeviceOption[] = [
    { setting: 'auto', available: true, detail: auto.label },
    { setting: 'cpu', available: true, detail: 'CPU' },
  ];
  for (const provider of AUTO_ORDER) {
    const skip = auto.skipped.find((s) => s.provider === provider);
    if (auto.provider === provider) out.push({ setting: provider, available: true, detail: auto.label });
    else if (skip) out.push({ setting: provider, available: false, detail: skip.reason });
    else {
      // Ranked after the provider `auto` chose: probe it on its own.
      const reason = unavailableReason(provider, env) ?? (await probeReason(provider, env));
      out.push({ setting: provider, available: !reason, detail: reason ?? gpuLabel(provider, env) });
    }
  }
  return out;
}

/** The label, and on a CPU fallback why each GPU provider of this platform was passed over. */
export function deviceLine(c: DeviceChoice, platform: NodeJS.Platform): string {
  if (c.provider !== 'cpu') return c.label;
  const reasons = c.skipped.filter((s) => onThisPlatform(s.provider, platform));
  return reasons.length ? `${c.label} (${reasons.map((s) => `${PROVIDER_TITLE[s.provider]}: ${s.reason}`).join('; ')})` : c.label;
}
