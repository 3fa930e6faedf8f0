/**
 * Chooses the libopus build for this thread, once: the native addon when it loads (it encodes
 * 1.5× (complexity 5) to 2.7× (complexity 9) faster than WASM here), else the package's WASM build,
 * and says which and why.
 *
 * `PATCHBAY_OPUS_BACKEND` = `auto` (default) | `native` | `wasm` overrides the choice (`native`
 * fails loudly if the addon cannot load); the package's own `OPUS_FORCE_WASM` is honoured too.
 * In `auto`, worker threads get WASM: the native addon shares its output buffers between threads
 * and crashes the process when a worker that loaded it exits (see opus-native.ts). A fallback
 * after a failed load is announced once with `process.emitWarning` (code PATCHBAY_OPUS_WASM).
 */
import { isMainThread } from 'node:worker_threads';
import { OpusError, type OpusBackend, type OpusEngine } from './opus-engine.ts';
import { createNativeOpusEngine, loadNativeOpusAddon, type NativeOpusAddon } from './opus-native.ts';
import { createWasmOpusEngine } from './opus-wasm.ts';

export type OpusBackendPreference = 'auto' | OpusBackend;

/** Which backend is active and why. */
export interface OpusBackendInfo {
  backend: OpusBackend;
  /** One line for logs and /health: what was asked for and what happened. */
  reason: string;
}

export interface ResolveOpusBackendOptions {
  /** What to use. Default: from the environment (PATCHBAY_OPUS_BACKEND, OPUS_FORCE_WASM), else 'auto'. */
  prefer?: OpusBackendPreference;
  /** Loads the native addon. Default: the real one (tests inject one that throws). */
  loadNative?: () => NativeOpusAddon;
  /** Whether this is the main thread. Default: from node:worker_threads. */
  mainThread?: boolean;
}

/** Reads the preference from the environment; unknown values are a configuration error. */
export function opusBackendPreferenceFromEnv(env: Record<string, string | undefined> = process.env): OpusBackendPreference {
  const value = (env.PATCHBAY_OPUS_BACKEND ?? '').trim().toLowerCase();
  if (value === 'native' || value === 'wasm' || value === 'auto') return value;
  if (value !== '') {
    throw new OpusError('bad-config', `PATCHBAY_OPUS_BACKEND must be auto, native or wasm, not "${env.PATCHBAY_OPUS_BACKEND}"`);
  }
  return env.OPUS_FORCE_WASM ? 'wasm' : 'auto';
}

/** Picks and loads a backend without touching the process-wide choice (pure apart from loading). */
export function resolveOpusBackend(options: ResolveOpusBackendOptions = {}): { engine: OpusEngine; info: OpusBackendInfo; fellBack: boolean } {
  const prefer = options.prefer ?? opusBackendPreferenceFromEnv();
  const mainThread = options.mainThread ?? isMainThread;
  const loadNative = options.loadNative ?? loadNativeOpusAddon;
  if (prefer === 'wasm') {
    return { engine: wasmEngine(), info: { backend: 'wasm', reason: 'WASM requested' }, fellBack: false };
  }
  if (prefer === 'auto' && !mainThread) {
    return {
      engine: wasmEngine(),
      info: { backend: 'wasm', reason: 'worker thread: the native addon is not thread-safe, using WASM' },
      fellBack: false,
    };
  }
  let addon: NativeOpusAddon;
  try {
    addon = loadNative();
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (prefer === 'native') throw new OpusError('backend-unavailable', `native Opus addon failed to load: ${why}`);
    return {
      engine: wasmEngine(),
      info: { backend: 'wasm', reason: `native addon failed to load (${why}); using WASM` },
      fellBack: true,
    };
  }
  return {
    engine: createNativeOpusEngine(addon),
    info: { backend: 'native', reason: prefer === 'native' ? 'native requested' : 'native addon loaded' },
    fellBack: false,
  };
}

let active: { engine: OpusEngine; info: OpusBackendInfo } | undefined;
let wasm: OpusEngine | undefined;
let native: OpusEngine | undefined;

/** This thread's WASM engine (one WASM instance, created on first use). */
function wasmEngine(): OpusEngine {
  return (wasm ??= createWasmOpusEngine());
}

/** This thread's chosen engine, resolved on first call. */
export function opusEngine(): OpusEngine {
  if (active === undefined) {
    const { engine, info, fellBack } = resolveOpusBackend();
    active = { engine, info };
    if (engine.backend === 'native') native = engine;
    if (fellBack && typeof process !== 'undefined' && typeof process.emitWarning === 'function') {
      process.emitWarning(`Opus: ${info.reason}`, { code: 'PATCHBAY_OPUS_WASM' });
    }
  }
  return active.engine;
}

/** The active backend: 'native' or 'wasm'. */
export function opusBackend(): OpusBackend {
  return opusEngine().backend;
}

/** The active backend and the reason it was chosen. */
export function opusBackendInfo(): OpusBackendInfo {
  opusEngine();
  return { ...active!.info };
}

/**
 * A specific backend's engine for codecs that need it (e.g. a decoder that must decode FEC asks for
 * 'wasm'). 'native' throws OpusError('backend-unavailable') when the addon cannot load.
 */
export function opusEngineFor(backend: OpusBackend): OpusEngine {
  if (backend === 'wasm') return wasmEngine();
  if (native === undefined) {
    try {
      native = createNativeOpusEngine(loadNativeOpusAddon());
    } catch (err) {
      throw new OpusError('backend-unavailable', `native Opus addon failed to load: ${err instanceof Error ? err.message : err}`);
    }
  }
  return native;
}
