/** The webview end of the protocol: an Rpc over vscode.postMessage and window 'message' events. */
import type { HostNotifications, HostRequests, WebviewRequests } from '../src/shared/protocol';
import { Rpc, type Handlers } from '../src/shared/rpc';
import type { VsCodeApi } from './vscodeApi';

export type WebviewRpc = Rpc<WebviewRequests, HostRequests>;

export type NotificationHandler = <K extends keyof HostNotifications>(method: K, params: HostNotifications[K]) => void;

export function connect(api: VsCodeApi, handlers: Handlers<HostRequests>, onNotification: NotificationHandler): WebviewRpc {
  const rpc: WebviewRpc = new Rpc<WebviewRequests, HostRequests>({
    // vscode.postMessage has no transfer list; VS Code moves ArrayBuffers as binary itself.
    post: (msg) => api.postMessage(msg),
    handlers,
    onNotification: (method, params) => onNotification(method as keyof HostNotifications, params as never),
    onInvalid: (reason) => console.warn(`Anomaly Lens: ignored a message from the host: ${reason}`),
  });
  window.addEventListener('message', (ev: MessageEvent) => rpc.handle(ev.data));
  return rpc;
}
