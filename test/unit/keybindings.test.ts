import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Keybinding {
  command: string;
  key: string;
  when?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const bindings: Keybinding[] = pkg.contributes.keybindings;
const reviewBindings = bindings.filter((b) => b.when?.includes("activeCustomEditorId == 'anomalyLens.review'"));

test('every review-editor shortcut is declared with a when clause', () => {
  // accept, reject, heatmap, brush, eraser, polygon, next, previous, help, undo, redo, raw image, prediction outline
  assert.equal(reviewBindings.length, 13);
});

// Menus show a command's keybinding as a hint: the Explorer's Accept / Reject must not show the
// editor's bare A / R, so those keys belong to editor-only commands.
test('the Accept / Reject commands of the menus carry no editor key', () => {
  for (const id of ['anomalyLens.accept', 'anomalyLens.reject']) {
    assert.equal(bindings.filter((b) => b.command === id).length, 0, `${id} has a keybinding`);
  }
  assert.deepEqual(bindings.filter((b) => b.command === 'anomalyLens.editor.accept' || b.command === 'anomalyLens.editor.reject').map((b) => b.key), ['a', 'r']);
});

// With the review editor open, focus may sit in the Explorer, a panel or a side bar; a bare
// letter (or Ctrl+Z) there belongs to that part: type-to-find in lists, undo of a file move.
test('review-editor shortcuts fire only while focus is in the editor area', () => {
  for (const b of reviewBindings) {
    const terms = b.when!.split('&&').map((t) => t.trim());
    for (const required of ['!inputFocus', '!listFocus', '!sideBarFocus', '!panelFocus', '!auxiliaryBarFocus']) {
      assert.ok(terms.includes(required), `${b.command} (${b.key}) lacks ${required}`);
    }
  }
});

test('setting descriptions say what a setting does, without benchmark results', () => {
  const props = pkg.contributes.configuration.properties as Record<string, Record<string, unknown>>;
  const texts = Object.entries(props).flatMap(([key, p]) =>
    [p.description, p.markdownDescription, ...((p.enumDescriptions as string[] | undefined) ?? [])].filter((t): t is string => typeof t === 'string').map((t) => [key, t]));
  assert.ok(texts.length > 20);
  for (const [key, text] of texts) {
    assert.doesNotMatch(text, /AUROC|benchmark|\bpoints?\b.*\b(lower|higher|more|less)\b|\d+(\.\d+)?\s*(images\/s|×)\s*(faster|slower)|\b0\.\d{3}\b/i, `${key}: ${text}`);
  }
});
