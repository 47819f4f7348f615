/**
 * The real probe environment for device selection: what this onnxruntime binary bundles, the
 * files a provider needs, a tiny graph run on the provider, and the GPU's name from the OS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './builder';
import type { GpuProvider, ProbeEnv } from './device';

interface Binding {
  listSupportedBackends(): { name: string; bundled: boolean }[];
}

function binding(): Binding | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('onnxruntime-node/dist/binding.js') as { binding?: Binding }).binding;
  } catch {
    return undefined;
  }
}

function nativeDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

const PROVIDER_LIBRARY: Partial<Record<GpuProvider, string>> = { cuda: 'libonnxruntime_providers_cuda.so' };

/** Whether the dynamic loader can find `name` (ld.so.cache or LD_LIBRARY_PATH); Linux only. */
export function sharedLibraryFindable(name: string, env: NodeJS.ProcessEnv = process.env, cacheFile = '/etc/ld.so.cache'): boolean {
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (fs.existsSync(path.join(dir, name))) return true;
  }
  try {
    return fs.readFileSync(cacheFile).includes(Buffer.from(`${name}\0`));
  } catch {
    return false;
  }
}

/** The GPU's marketing name where Linux exposes it without a library (NVIDIA's driver does). */
export function linuxAdapterName(procDir = '/proc/driver/nvidia/gpus'): string | undefined {
  try {
    for (const bus of fs.readdirSync(procDir).sort()) {
      const info = fs.readFileSync(path.join(procDir, bus, 'information'), 'utf8');
      const m = /^Model:\s*(.+)$/m.exec(info);
      if (m) return m[1].trim();
    }
  } catch {
    // No NVIDIA driver: the label names the API alone.
  }
  return undefined;
}

function probeModel(): Uint8Array {
  const g = new GraphBuilder('device_probe');
  const x = g.input('x', [4, 4]);
  g.output(g.relu(g.matmul(x, x)), 'y', [4, 4]);
  return g.toModel();
}

export const realProbeEnv: ProbeEnv = {
  platform: process.platform,
  backends: () => binding()?.listSupportedBackends() ?? [{ name: 'cpu', bundled: true }],
  libraryPresent(provider) {
    const dir = nativeDir();
    const file = PROVIDER_LIBRARY[provider];
    return !!dir && !!file && fs.existsSync(path.join(dir, file));
  },
  missingPrerequisite(provider) {
    // Dawn prints a loader warning of its own when Vulkan is absent; checking first keeps stderr clean.
    if (provider === 'webgpu' && process.platform === 'linux' && !sharedLibraryFindable('libvulkan.so.1')) {
      return 'no Vulkan loader (libvulkan.so.1) on this machine';
    }
    return undefined;
  },
  async tryProvider(provider) {
    const s = await ort.InferenceSession.create(probeModel(), { executionProviders: [provider], logSeverityLevel: 4 });
    try {
      await s.run({ x: new ort.Tensor('float32', new Float32Array(16).fill(1), [4, 4]) });
    } finally {
      await s.release();
    }
  },
  adapterName: () => (process.platform === 'linux' ? linuxAdapterName() : undefined),
};
