/** Every command of the extension (palette, Explorer and Findings menus, keybindings), one module per group. */
import type * as vscode from 'vscode';
import { registrar, type CommandDeps } from './commandKit';
import { registerExportCommands } from './exportCommands';
import { registerModelCommands } from './modelCommands';
import { registerReviewCommands } from './reviewCommands';
import { registerScanCommands } from './scanCommands';
import { registerSettingsCommands } from './settingsCommands';
import { registerTrainCommands } from './trainCommands';

export type { CommandDeps } from './commandKit';

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const register = registrar(context, deps.session);
  registerScanCommands(register, deps);
  registerTrainCommands(register, deps);
  registerReviewCommands(register, deps);
  registerExportCommands(register, deps);
  registerSettingsCommands(register, deps);
  registerModelCommands(register, deps);
}
