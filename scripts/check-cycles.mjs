#!/usr/bin/env node
/**
 * Fails when the TypeScript sources import each other in a cycle (type-only imports included:
 * a type cycle still ties the modules' meaning together). Reads import and export-from
 * specifiers with the TypeScript compiler's pre-processor, resolves relative ones to files and
 * reports every strongly connected component with more than one file, or a file importing itself.
 *
 * Usage: node scripts/check-cycles.mjs [roots…]   (default: src webview tools)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const EXTENSIONS = ['.ts', '.tsx', '.mts'];

function listSources(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) listSources(file, out);
    else if (EXTENSIONS.some((e) => entry.endsWith(e)) && !entry.endsWith('.d.ts')) out.push(path.resolve(file));
  }
  return out;
}

function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  if (/\.[cm]?js$/.test(spec)) candidates.push(...EXTENSIONS.map((e) => base.replace(/\.[cm]?js$/, e)));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile() && EXTENSIONS.some((e) => c.endsWith(e)));
}

/** The import graph of the given files: file → files it imports (relative specifiers only). */
export function importGraph(files) {
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = new Set();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolveRelative(file, ref.fileName);
      if (target) deps.add(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components with a cycle (Tarjan), each sorted, largest first. */
export function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const cycles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) !== idx.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v).has(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return cycles.sort((a, b) => b.length - a.length);
}

function main() {
  const roots = process.argv.slice(2);
  const dirs = (roots.length ? roots : ['src', 'webview', 'tools']).filter((d) => existsSync(d));
  const files = dirs.flatMap((d) => listSources(d));
  const graph = importGraph(files);
  const cycles = findCycles(graph);
  if (cycles.length === 0) {
    console.log(`check-cycles: no import cycles in ${files.length} files`);
    return;
  }
  const rel = (f) => path.relative(process.cwd(), f);
  console.error(`check-cycles: ${cycles.length} import cycle(s); move the shared types or helpers to a module both sides import:`);
  for (const c of cycles) {
    const inCycle = new Set(c);
    console.error(`\n  ${c.length} files:`);
    for (const f of c) {
      const deps = [...graph.get(f)].filter((d) => inCycle.has(d)).map(rel);
      console.error(`    ${rel(f)} → ${deps.join(', ')}`);
    }
  }
  process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('check-cycles.mjs')) main();
