/**
 * Webview entry: registers the vscode-elements components it uses, connects the protocol,
 * sends `ready` and builds the review editor from the host's init payload.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { describeError, AnomalyLensError } from '../src/shared/errors';
import { PROTOCOL_VERSION } from '../src/shared/protocol';
import { App } from './app';
import { el } from './dom';
import { connect } from './rpcClient';
import { vscodeApi } from './vscodeApi';

function boot(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
  root.classList.add('app');
  const ref: { app?: App } = {};
  const rpc = connect(
    vscodeApi(),
    { flush: () => (ref.app ? ref.app.flush() : { saved: false }) },
    (method, params) => ref.app?.onNotification(method, params),
  );
  const app = new App(root, rpc);
  ref.app = app;
  // Exposed for the webview tests (fake host in headless Chromium); holds no secrets.
  (window as unknown as { __anomalyLens: App }).__anomalyLens = app;
  root.append(el('p', { class: 'loading', id: 'loading' }, 'Loading image…'));
  window.addEventListener('error', (e) => rpc.notify('reportError', { message: String(e.message), detail: String(e.error?.stack ?? '') }));
  rpc.request('ready', { protocolVersion: PROTOCOL_VERSION }).then(
    (init) => app.start(init),
    (err: unknown) => {
      const info = err instanceof AnomalyLensError ? err.toInfo() : { code: 'INTERNAL' as const, message: String(err) };
      root.replaceChildren(el('div', { class: 'load-error', role: 'alert' },
        el('h2', {}, 'The review editor could not start'), el('p', {}, describeError(info))));
    },
  );
}

boot();
