/**
 * Where onnxruntime ran each node of a graph, read from its profile: every node event names the
 * execution provider that ran it. Profiling is a diagnostic (the GPU check turns it on through
 * ANOMALY_LENS_ORT_PROFILE); normal runs never write profiles.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface GraphPlacement {
  graph: string;
  /** Distinct nodes per provider name ("WebGpuExecutionProvider", "CPUExecutionProvider"). */
  nodes: Record<string, number>;
  /** Op types run on the CPU in a graph that also ran on another provider (the fallbacks). */
  cpuFallbackOps: string[];
  /** Host↔device copies onnxruntime inserted. */
  copies: number;
}

interface ProfileEvent {
  cat?: string;
  name?: string;
  args?: { provider?: string; op_name?: string };
}

const CPU = 'CPUExecutionProvider';

/** Counts the distinct nodes each provider ran in one profile (a list of trace events). */
export function placementOf(graph: string, events: readonly unknown[]): GraphPlacement {
  const seen = new Map<string, { provider: string; op: string }>();
  for (const e of events as ProfileEvent[]) {
    if (e?.cat !== 'Node' || !e.args?.provider || !e.name) continue;
    const node = e.name.replace(/_(kernel_time|fence_before|fence_after)$/, '');
    if (!seen.has(node)) seen.set(node, { provider: e.args.provider, op: e.args.op_name ?? '?' });
  }
  const nodes: Record<string, number> = {};
  const cpuOps = new Set<string>();
  let copies = 0;
  for (const { provider, op } of seen.values()) {
    if (op.startsWith('Memcpy')) {
      copies++;
      continue;
    }
    nodes[provider] = (nodes[provider] ?? 0) + 1;
    if (provider === CPU) cpuOps.add(op);
  }
  const others = Object.keys(nodes).some((p) => p !== CPU);
  return { graph, nodes, cpuFallbackOps: others ? [...cpuOps].sort() : [], copies };
}

/** Adds one placement to another of the same graph (a graph opened in several threads or sizes). */
export function mergePlacement(a: GraphPlacement, b: GraphPlacement): GraphPlacement {
  const nodes = { ...a.nodes };
  for (const [p, n] of Object.entries(b.nodes)) nodes[p] = Math.max(nodes[p] ?? 0, n);
  return { graph: a.graph, nodes, cpuFallbackOps: [...new Set([...a.cpuFallbackOps, ...b.cpuFallbackOps])].sort(), copies: Math.max(a.copies, b.copies) };
}

/** Profile files are named `<graph>.<pid>.<n>_<timestamp>.json` in the profile folder. */
export function graphOfProfileFile(file: string): string {
  return path.basename(file).replace(/\.\d+\.\d+_.*$/, '');
}

/** Every graph's placement from a folder of profiles, one entry per graph name. */
export async function readPlacements(dir: string): Promise<GraphPlacement[]> {
  const byGraph = new Map<string, GraphPlacement>();
  for (const f of (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const text = await fs.readFile(path.join(dir, f), 'utf8');
    let events: unknown[];
    try {
      events = JSON.parse(text) as unknown[];
    } catch {
      continue; // a profile cut short by a crash: nothing to count
    }
    const graph = graphOfProfileFile(f);
    const p = placementOf(graph, events);
    const prev = byGraph.get(graph);
    byGraph.set(graph, prev ? mergePlacement(prev, p) : p);
  }
  return [...byGraph.values()].sort((a, b) => a.graph.localeCompare(b.graph));
}

/** "412 WebGPU, 3 CPU (TopK), 2 copies" */
export function describePlacement(p: GraphPlacement): string {
  const short = (prov: string): string => prov.replace(/ExecutionProvider$/, '').replace(/^WebGpu$/, 'WebGPU');
  const parts = Object.entries(p.nodes)
    .sort((a, b) => b[1] - a[1])
    .map(([prov, n]) => `${n} ${short(prov)}${prov === CPU && p.cpuFallbackOps.length ? ` (${p.cpuFallbackOps.join(', ')})` : ''}`);
  if (p.copies) parts.push(`${p.copies} copies`);
  return parts.join(', ') || 'no nodes ran';
}
