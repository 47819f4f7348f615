/**
 * Inlines one ONNX graph into a GraphBuilder: every value, node and initializer name gets a
 * prefix (so a backbone's names cannot clash with ours), the graph's inputs are wired to values
 * that already exist, and the (renamed) names of its outputs are returned. Consistent renaming,
 * applied inside subgraphs (Loop/If bodies) too, preserves the graph's meaning.
 */
import type { GraphBuilder, Value } from '../onnx/builder';
import type { AttributeValue, GraphProtoInit, NodeProtoInit, TensorProtoInit, ValueInfoInit } from '../onnx/proto';

type Rename = (name: string) => string;

function renameTensor(t: TensorProtoInit, rename: Rename): TensorProtoInit {
  return { ...t, name: rename(t.name) };
}

function renameAttr(a: AttributeValue, rename: Rename): AttributeValue {
  if (a.kind === 'graph') return { kind: 'graph', value: renameGraph(a.value, rename) };
  if (a.kind === 'graphs') return { kind: 'graphs', value: a.value.map((g) => renameGraph(g, rename)) };
  return a;
}

function renameNode(n: NodeProtoInit, rename: Rename): NodeProtoInit {
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, a] of Object.entries(n.attributes)) attributes[k] = renameAttr(a, rename);
  return { ...n, name: rename(n.name), inputs: n.inputs.map(rename), outputs: n.outputs.map(rename), attributes };
}

function renameInfo(v: ValueInfoInit, rename: Rename): ValueInfoInit {
  return { ...v, name: rename(v.name) };
}

function renameGraph(g: GraphProtoInit, rename: Rename): GraphProtoInit {
  return {
    name: g.name,
    nodes: g.nodes.map((n) => renameNode(n, rename)),
    initializers: g.initializers.map((t) => renameTensor(t, rename)),
    inputs: g.inputs.map((v) => renameInfo(v, rename)),
    outputs: g.outputs.map((v) => renameInfo(v, rename)),
  };
}

export interface InlineResult {
  /** Original output name → name inside the builder. */
  outputs: Record<string, Value>;
  nodeCount: number;
}

/**
 * Adds `graph` to `g`. `wire` maps each of the graph's (non-initializer) inputs to an existing
 * value; every input must be wired. Empty names (absent optional inputs) stay empty.
 */
export function inlineGraph(g: GraphBuilder, graph: GraphProtoInit, prefix: string, wire: Record<string, Value>): InlineResult {
  const initNames = new Set(graph.initializers.map((t) => t.name));
  for (const input of graph.inputs) {
    if (!initNames.has(input.name) && wire[input.name] === undefined) {
      throw new Error(`inlining ${graph.name || prefix}: input '${input.name}' is not wired`);
    }
  }
  const rename: Rename = (name) => (name === '' ? '' : (wire[name] ?? `${prefix}${name}`));
  const renamed = renameGraph(graph, rename);
  for (const t of renamed.initializers) g.initializer(t);
  for (const n of renamed.nodes) {
    if (n.domain && n.domain !== 'ai.onnx') throw new Error(`inlining ${graph.name || prefix}: node '${n.name}' uses domain '${n.domain}'`);
    g.opN(n.opType, n.inputs, n.outputs.length, n.attributes, n.outputs);
  }
  const outputs: Record<string, Value> = {};
  graph.outputs.forEach((o, i) => (outputs[o.name] = renamed.outputs[i].name));
  return { outputs, nodeCount: renamed.nodes.length };
}
