/** What the status bar and Select Device show about the device, built from the worker's reports (no vscode here). */
import type { Device } from '../shared/run';
import type { DeviceOptionInfo, DeviceReport } from '../shared/workerProtocol';

export interface StatusText {
  text: string;
  tooltip: string;
}

const CLICK = 'Click to change the device.';

/**
 * The device item of the status bar. Without a report (no worker has run yet) it names the
 * setting alone; `openedOn` is the provider the last backbone session opened on, which differs
 * from the report when the GPU provider refused the graph and it runs on the CPU instead.
 */
export function deviceStatus(setting: Device, report: DeviceReport | undefined, openedOn?: string): StatusText {
  if (!report || report.setting !== setting) {
    return { text: `$(chip) ${setting}`, tooltip: `Device setting "${setting}": the device in use shows once the engine runs.\n${CLICK}` };
  }
  if (report.error || !report.provider) {
    const hint = report.error?.hint ? `\nTo run anyway: ${report.error.hint}.` : '';
    return { text: `$(warning) ${setting} unavailable`, tooltip: `${report.line}${hint}\n${CLICK}` };
  }
  const title = report.title ?? report.provider;
  const text = report.provider === 'cpu' ? '$(chip) CPU' : `$(chip) GPU: ${title}`;
  const fellBack = openedOn !== undefined && openedOn !== report.provider
    ? `\nThe backbone graph opened on ${openedOn}: ${title} refused it (see the log).`
    : '';
  return { text, tooltip: `${report.line}${fellBack}\nSetting "${setting}". ${CLICK}` };
}

export interface DevicePickItem {
  label: string;
  description: string;
  detail?: string;
  setting: Device;
}

export interface DevicePick {
  items: DevicePickItem[];
  placeholder: string;
}

const AUTO_ORDER_TEXT = 'the first that runs here, GPU before CPU';

/**
 * Select Device: only the settings that run here (auto first, with what it resolves to); the
 * providers of this platform that cannot run are not offered, and the placeholder and the auto
 * item say which and why.
 */
export function devicePick(current: Device, options: readonly DeviceOptionInfo[]): DevicePick {
  const missing = options.filter((o) => !o.available);
  const now = (o: DeviceOptionInfo): string => (o.setting === current ? ' (current)' : '');
  const items = options
    .filter((o) => o.available)
    .map((o): DevicePickItem => {
      if (o.setting === 'auto') {
        return {
          label: 'auto',
          description: `${o.detail}${now(o)}`,
          detail: missing.length ? `${AUTO_ORDER_TEXT}. Not available: ${missing.map((m) => `${m.title} (${m.detail})`).join('; ')}` : AUTO_ORDER_TEXT,
          setting: o.setting,
        };
      }
      return { label: o.setting, description: `${o.setting === 'cpu' ? 'CPU, always available' : o.detail}${now(o)}`, setting: o.setting };
    });
  const runs = options.some((o) => o.setting === current && o.available);
  const head = !runs ? `Execution device: now ${current}, which cannot run here` : `Execution device (now ${current})`;
  const placeholder = missing.length ? `${head}. Not found here: ${missing.map((m) => m.title).join(', ')}` : head;
  return { items, placeholder };
}
