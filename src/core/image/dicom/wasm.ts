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
/** Each cached module's linear memory (found among its exports once instantiated). */
const memories = new Map<string, WebAssembly.Memory>();

/**
 * WebAssembly memory only grows: after one large frame a codec would keep that heap for the life
 * of the process. Past this size the module is dropped and the next frame gets a fresh one.
 */
const DEFAULT_HEAP_LIMIT = 128 * 2 ** 20;
let heapLimit = DEFAULT_HEAP_LIMIT;

/** The heap size past which a codec module is discarded after a decode (tests lower it). */
export function setCodecHeapLimit(bytes: number | undefined): void {
  heapLimit = bytes ?? DEFAULT_HEAP_LIMIT;
}

export function codecHeapLimit(): number {
  return heapLimit;
}

/** Drops a codec module whose heap has grown past the limit; returns whether it did. */
export function recycleCodecModule(jsSpecifier: string): boolean {
  const memory = memories.get(jsSpecifier);
  if (!memory || memory.buffer.byteLength <= heapLimit) return false;
  cache.delete(jsSpecifier);
  memories.delete(jsSpecifier);
  return true;
}

/** Bytes of WebAssembly heap one loaded codec module holds (0 when not loaded). */
export function moduleHeapBytes(jsSpecifier: string): number {
  return memories.get(jsSpecifier)?.buffer.byteLength ?? 0;
}

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
      const memory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
      if (memory) memories.set(jsSpecifier, memory);
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
