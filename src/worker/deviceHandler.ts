/**
 * The `device` request: what a device setting runs on in this worker (the same choice the engine's
 * sessions make) and, when asked, every setting of this platform with whether it runs here. Both
 * come from the runtime's per-thread memo, so the GPU providers are probed once per worker.
 */
import { AnomalyLensError, toErrorInfo } from '../shared/errors';
import type { Device } from '../shared/run';
import type { DeviceOptionInfo, DeviceReport, WorkerMethods } from '../shared/workerProtocol';
import type { RequestContext } from './rpcServer';

type Runtime = typeof import('../core/onnx/runtime');
type DeviceModule = typeof import('../core/onnx/device');

// Loaded on first use: onnxruntime is not needed to start the worker.
let modules: Promise<[Runtime, DeviceModule]> | undefined;
const load = (): Promise<[Runtime, DeviceModule]> => (modules ??= Promise.all([import('../core/onnx/runtime'), import('../core/onnx/device')]));

export async function device(p: WorkerMethods['device']['params'], ctx: RequestContext): Promise<DeviceReport> {
  const [rt, dev] = await load();
  const setting: Device = p.device ?? 'auto';
  if (!dev.DEVICE_SETTINGS.includes(setting)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `unknown device setting "${String(setting)}"`, { hint: `one of ${dev.DEVICE_SETTINGS.join(', ')}` });
  }
  const platform = rt.probePlatform();
  const options = p.options ? await optionsHere(rt, dev, platform, ctx) : undefined;
  try {
    const c = await rt.resolveDevice(setting, ctx.log);
    return {
      setting,
      provider: c.provider,
      title: dev.PROVIDER_TITLE[c.provider],
      line: dev.deviceLine(c, platform),
      skipped: c.skipped
        .filter((s) => dev.onThisPlatform(s.provider, platform))
        .map((s) => ({ provider: s.provider, title: dev.PROVIDER_TITLE[s.provider], reason: s.reason })),
      ...(options ? { options } : {}),
    };
  } catch (err) {
    // A named provider that cannot run here is an answer, not a failed request: the host shows it.
    const error = toErrorInfo(err);
    if (error.code !== 'DEVICE_UNAVAILABLE') throw err;
    return { setting, line: error.message, skipped: [], error, ...(options ? { options } : {}) };
  }
}

async function optionsHere(rt: Runtime, dev: DeviceModule, platform: NodeJS.Platform, ctx: RequestContext): Promise<DeviceOptionInfo[]> {
  const all = await rt.availableDevices(ctx.log);
  return all
    .filter((o) => o.setting === 'auto' || o.setting === 'cpu' || dev.onThisPlatform(o.setting, platform))
    .map((o) => ({ setting: o.setting, title: o.setting === 'auto' ? 'auto' : dev.PROVIDER_TITLE[o.setting], available: o.available, detail: o.detail }));
}
