/** A machine to probe for device selection, without a GPU: which providers open, and what was tried in which order. */
import type { GpuProvider, ProbeEnv } from '../../src/core/onnx/device';

const LINUX_BACKENDS = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];

export function fakeEnv(o: { platform?: NodeJS.Platform; works?: GpuProvider[]; cudaLib?: boolean; vulkan?: boolean; adapter?: string; backends?: { name: string; bundled: boolean }[] } = {}): ProbeEnv & { tried: GpuProvider[] } {
  const tried: GpuProvider[] = [];
  return {
    tried,
    platform: o.platform ?? 'linux',
    backends: () => o.backends ?? LINUX_BACKENDS,
    libraryPresent: (p) => p === 'cuda' && !!o.cudaLib,
    missingPrerequisite: (p) => (p === 'webgpu' && o.vulkan === false ? 'no Vulkan loader (libvulkan.so.1) on this machine' : undefined),
    async tryProvider(p) {
      tried.push(p);
      if (!o.works?.includes(p)) {
        throw new Error(`/onnxruntime_src/onnxruntime/core/providers/${p}/context.cc:136 check failed. Failed to get a WebGPU adapter: No supported adapters\nmore`);
      }
    },
    adapterName: () => o.adapter,
  };
}

