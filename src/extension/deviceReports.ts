/**
 * What the running engine worker said about each device setting. Reading never starts a worker
 * (activation must not load onnxruntime or probe a GPU); a setting is asked of a running worker
 * once, and forgotten when a new worker starts, since drivers or the setting may have changed.
 */
import { isCancelled } from '../shared/errors';
import type { Device } from '../shared/run';
import type { DeviceReport } from '../shared/workerProtocol';

export interface DeviceReportsDeps {
  running(): boolean;
  /** The worker's `device` request (starts the worker when none runs). */
  request(params: { device: Device; options?: boolean }): Promise<DeviceReport>;
  /** A report arrived or the old ones were forgotten: the status bar redraws. */
  changed(): void;
  log(line: string): void;
}

export class DeviceReports {
  private readonly known = new Map<Device, DeviceReport>();
  /** Settings asked of this worker (in flight or failed): never asked twice. */
  private readonly asked = new Set<Device>();
  private generation = 0;

  constructor(private readonly deps: DeviceReportsDeps) {}

  /** The report for a setting when known; asks a running worker for it in the background otherwise. */
  get(setting: Device): DeviceReport | undefined {
    const r = this.known.get(setting);
    if (r) return r;
    if (this.deps.running() && !this.asked.has(setting)) {
      this.ask(setting, false).catch((err: unknown) => {
        if (!isCancelled(err)) this.deps.log(`device: could not ask the engine which device runs: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    return undefined;
  }

  /** Asks the worker, starting it when needed (Select Device, or a restart after the setting changed). */
  ask(setting: Device, options: boolean): Promise<DeviceReport> {
    this.asked.add(setting);
    const pending = this.deps.request(options ? { device: setting, options: true } : { device: setting });
    // Read after the request: starting a worker for it begins a new generation.
    const generation = this.generation;
    return pending.then((r) => {
      if (generation === this.generation) {
        this.known.set(setting, r);
        this.deps.changed();
      }
      return r;
    });
  }

  /**
   * A worker started: forget what the previous one said. Called while the request that starts it
   * is being sent, so the redraw (which may ask the new worker) waits for the next turn.
   */
  workerStarted(): void {
    this.generation++;
    this.known.clear();
    this.asked.clear();
    setTimeout(() => this.deps.changed(), 0);
  }
}
