/**
 * Short messages over the image (a notice fades, an error stays longer) and the page shown in
 * place of an image that could not be decoded.
 */
import { describeError, type ErrorInfo, AnomalyLensError } from '../../src/shared/errors';
import { el } from '../dom';

export class Notices {
  readonly element = el('div', { class: 'notice', id: 'notice', role: 'status', hidden: true });
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `report` passes unexpected errors on to the host's log. */
  constructor(private readonly report: (message: string) => void) {}

  show(text: string, isError = false): void {
    this.element.textContent = text;
    this.element.classList.toggle('error', isError);
    this.element.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.element.hidden = true; }, isError ? 8000 : 2500);
  }

  error(what: string, err: unknown): void {
    const info: ErrorInfo = err instanceof AnomalyLensError ? err.toInfo() : { code: 'INTERNAL', message: String(err) };
    this.show(`${what}: ${describeError(info)}`, true);
    if (info.code === 'INTERNAL') this.report(`${what}: ${info.message}`);
  }
}

/** The image could not be decoded: say which file, which code, why and what to do. */
export function loadErrorView(fileName: string, error: ErrorInfo): HTMLElement {
  const box = el('div', { class: 'load-error', id: 'load-error', role: 'alert' },
    el('h2', {}, `Cannot show ${fileName}`),
    el('p', {}, el('code', { id: 'error-code' }, error.code), ' ', el('span', { id: 'error-message' }, error.message)),
  );
  if (error.file) box.append(el('p', { class: 'hint' }, `File: ${error.file}`));
  if (error.hint) box.append(el('p', { class: 'hint', id: 'error-hint' }, error.hint));
  return box;
}
