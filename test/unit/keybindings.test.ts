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
  // accept, reject, heatmap, brush, eraser, polygon, next, previous, help, undo, redo
  assert.equal(reviewBindings.length, 11);
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
