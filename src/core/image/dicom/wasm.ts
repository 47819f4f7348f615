import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

/**
 * Emscripten codec modules, instantiated synchronously (once, lazily) so decoding stays synchronous:
 * we hand the module an `instantiateWasm` hook that compiles the .wasm with the synchronous
 * WebAssembly API; the runtime then initialises before the factory returns and the decoder
 * classes appear on the module object.
 */
const nodeRequire: NodeRequire =
  typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));

/** Directory holding codec .wasm/.js files when bundled (the build copies them next to the bundle). */
const BUNDLED_DIR = process.env.ANOMALY_LENS_CODEC_DIR;

export interface EmscriptenModule {
  [name: string]: unknown;
}

const cache = new Map<string, EmscriptenModule>();

/** A codec file: from ANOMALY_LENS_CODEC_DIR when the bundle ships it there, else through the package. */
export function resolveCodecAsset(specifier: string, fileName: string): string {
  if (BUNDLED_DIR && fs.existsSync(path.join(BUNDLED_DIR, fileName))) return path.join(BUNDLED_DIR, fileName);
  return nodeRequire.resolve(specifier);
}

export function loadCodecModule(jsSpecifier: string, jsFile: string, wasmSpecifier: string, wasmFile: string): EmscriptenModule {
  const hit = cache.get(jsSpecifier);
  if (hit) return hit;
  const factory = nodeRequire(resolveCodecAsset(jsSpecifier, jsFile)) as (arg: object) => Partial<Promise<unknown>> | undefined;
  const wasmPath = resolveCodecAsset(wasmSpecifier, wasmFile);
  const moduleArg: EmscriptenModule = {
    instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
      const mod = new WebAssembly.Module(fs.readFileSync(wasmPath));
      const instance = new WebAssembly.Instance(mod, imports);
      receive(instance, mod);
      return instance.exports;
    },
    print: () => undefined,
    printErr: () => undefined,
  };
  const ready = factory(moduleArg);
  // The promise settles with the same module; swallow its rejection (we check synchronously below).
  if (typeof ready?.catch === 'function') ready.catch(() => undefined);
  cache.set(jsSpecifier, moduleArg);
  return moduleArg;
}
