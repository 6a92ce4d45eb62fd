/**
 * Chooses the TensorFlow.js backend for training and evaluation, once per process:
 * tfjs-node when it happens to be installed (optional: it downloads a native library at install
 * time, so it is never required), else the WebAssembly backend (SIMD, about 20x the pure-JS
 * backend on this kind of machine), else the pure-JS `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | null = null;

/** Directory holding the .wasm binaries shipped inside @tensorflow/tfjs-backend-wasm. */
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry lives in dist/ (dist/tf-backend-wasm.node.js), next to the binaries.
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

async function tryNode(): Promise<boolean> {
  try {
    // A computed specifier keeps bundlers and the type checker from requiring the package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const dir = wasmDistDir();
    // Emscripten in Node reads the binary through fs with a plain path; a trailing separator
    // is needed because the file name is appended to the prefix.
    setWasmPaths(join(dir, '/'));
    void pathToFileURL;
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function pick(preferred?: BackendName): Promise<BackendName> {
  if (preferred === 'cpu') {
    await tf.setBackend('cpu');
    return 'cpu';
  }
  if (preferred !== 'wasm' && (await tryNode())) return 'tensorflow';
  if (await tryWasm()) return 'wasm';
  await tf.setBackend('cpu');
  return 'cpu';
}

/** Initializes the best available backend (idempotent); `BITBEAT_TF_BACKEND` overrides. */
export function initBackend(preferred?: BackendName): Promise<BackendName> {
  const env = process.env.BITBEAT_TF_BACKEND as BackendName | undefined;
  chosen ??= pick(preferred ?? env).then(async (name) => {
    await tf.ready();
    return name;
  });
  return chosen;
}

export { tf };
