/**
 * Whether training's learning layers run on the GPU: only through @tensorflow/tfjs-node-gpu (an
 * optional dependency for Linux x64 with CUDA), and if not, why: not installed, installed but its
 * CUDA libraries did not load, or another backend was asked for.
 */
import { createRequire } from 'node:module';

const PACKAGE = '@tensorflow/tfjs-node-gpu';

export function tfjsGpuInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
    return true;
  } catch {
    return false;
  }
}

export interface TrainingGpu {
  inUse: boolean;
  reason: string;
}

/** From the backend attempts initBackend() made (`tried`) and whether the package is on disk. */
export function trainingGpu(tried: { name: string; ok: boolean; error?: string }[], installed: boolean, forced?: string): TrainingGpu {
  const attempt = tried.find((t) => t.name === 'node-gpu');
  if (attempt?.ok) return { inUse: true, reason: `${PACKAGE} (CUDA) trains the network` };
  if (!installed) return { inUse: false, reason: `${PACKAGE} is not installed (an optional dependency: Linux x64 with CUDA and cuDNN)` };
  if (!attempt) return { inUse: false, reason: `${PACKAGE} is installed but was not tried${forced ? ` (TESSELLA_TF_BACKEND=${forced})` : ''}` };
  return { inUse: false, reason: `${PACKAGE} is installed but did not load, so no usable CUDA here (${attempt.error ?? 'unknown error'})` };
}
