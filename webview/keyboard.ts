/**
 * Keyboard shortcuts on the whole page: a key press becomes an action (the table is in
 * view/help.ts, which also shows it) unless it is typed into a text field.
 */
import { actionFor, type Action } from './view/help';

/** Actions that must not fire again while their key is held down. */
const NO_REPEAT: readonly Action[] = ['accept', 'reject', 'next', 'previous', 'help'];

export function listenForShortcuts(run: (a: Action) => void): void {
  // Capture phase: runs before the page's own controls, which then do not see a handled key.
  window.addEventListener('keydown', (e) => {
    if (isTextEntry(e)) return;
    const a = actionFor(e);
    if (!a) return;
    // Handled here: keep VS Code from also running a contributed keybinding for the same key.
    e.preventDefault();
    e.stopPropagation();
    if (e.repeat && NO_REPEAT.includes(a)) return;
    run(a);
  }, true);
}

/** Keys typed into a text field or select belong to it, not to the shortcuts. */
function isTextEntry(e: KeyboardEvent): boolean {
  for (const t of e.composedPath()) {
    if (!(t instanceof HTMLElement)) continue;
    const tag = t.tagName;
    if (tag === 'TEXTAREA' || tag === 'VSCODE-TEXTFIELD' || tag === 'VSCODE-TEXTAREA' || t.isContentEditable) return true;
    if (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes((t as HTMLInputElement).type)) return true;
    if (tag === 'VSCODE-SINGLE-SELECT' && (t as HTMLElement & { open?: boolean }).open) return true;
  }
  return false;
}
