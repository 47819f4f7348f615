/** Tiny DOM helpers (no innerHTML with data: text goes through textContent). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs?: Record<string, string | boolean | number>, ...children: (Node | string)[]
): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string | boolean | number>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string | boolean | number> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

/** A vscode-single-select filled with options. */
export function select(id: string, options: { value: string; label: string }[], value: string, label: string): HTMLElement {
  const s = el('vscode-single-select', { id, 'aria-label': label, title: label });
  for (const o of options) {
    const opt = el('vscode-option', { value: o.value }, o.label);
    if (o.value === value) opt.setAttribute('selected', '');
    s.appendChild(opt);
  }
  return s;
}

export function selectValue(e: Element): string {
  return (e as HTMLElement & { value: string }).value;
}

export function setSelectValue(e: Element, value: string): void {
  (e as HTMLElement & { value: string }).value = value;
}
