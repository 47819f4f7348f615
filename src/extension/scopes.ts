/**
 * Folder scopes of models, free of VS Code. A model serves the folder it was trained for and
 * its subfolders (a scope is a workspace-folder-relative directory; '' is the whole folder).
 * An image is scored by the model with the deepest scope that holds it; images no model holds
 * are not scanned.
 */

/** Directory names that usually hold the training split of a dataset, not the data to inspect. */
const TRAINING_SPLIT = /^(train|training|good|normal|ok|ref|reference|reference[_-]?good|train[_-]?good|normal[_-]?images?)$/i;

export const dirOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

export function inScope(rel: string, scope: string): boolean {
  return scope === '' || rel === scope || rel.startsWith(`${scope}/`);
}

/**
 * The scope for a model trained from these images: their deepest common folder, and above it
 * while that folder is a training split (parts/train → parts; bottle/train/good → bottle).
 */
export function defaultScope(rels: readonly string[]): string {
  if (!rels.length) return '';
  let common = dirOf(rels[0]).split('/').filter(Boolean);
  for (const rel of rels.slice(1)) {
    const parts = dirOf(rel).split('/').filter(Boolean);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  while (common.length && TRAINING_SPLIT.test(common[common.length - 1])) common.pop();
  return common.join('/');
}

export interface ScopedModel {
  /** The model's folder name under .anomaly-lens/models. */
  name: string;
  scope: string;
  createdAt: string;
}

/**
 * The model that scores an image: the deepest scope holding it; within that scope the one the
 * user chose (`chosen`: scope → name), else the newest.
 */
export function modelForPath<T extends ScopedModel>(models: readonly T[], rel: string, chosen: Readonly<Record<string, string>>): T | undefined {
  const holding = models.filter((m) => inScope(rel, m.scope));
  if (!holding.length) return undefined;
  const depth = (s: string) => (s === '' ? 0 : s.split('/').length);
  const deepest = Math.max(...holding.map((m) => depth(m.scope)));
  const candidates = holding.filter((m) => depth(m.scope) === deepest);
  const pick = chosen[candidates[0].scope];
  return candidates.find((m) => m.name === pick) ?? [...candidates].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
}

/** The models in effect: one per scope (the chosen one, else the newest). */
export function activeModels<T extends ScopedModel>(models: readonly T[], chosen: Readonly<Record<string, string>>): T[] {
  const scopes = [...new Set(models.map((m) => m.scope))].sort();
  return scopes.map((scope) => modelForPath(models.filter((m) => m.scope === scope), scope === '' ? 'x' : `${scope}/x`, chosen)!);
}

/** Images no model holds, counted by their directory (the folder to train for). */
export function unscannedByDirectory(rels: readonly string[], scopes: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const rel of rels) {
    if (scopes.some((s) => inScope(rel, s))) continue;
    const dir = dirOf(rel);
    out.set(dir, (out.get(dir) ?? 0) + 1);
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
