/**
 * What the Training form offers: the datasets, the imported models and built-in architectures,
 * and whether this machine trains on a GPU (which decides the suggested mode).
 */
import { useEffect, useState } from 'react';
import type { DatasetSummary } from '@shared/contract/datasets';
import type { EngineStatus, RegisteredModel } from '@shared/contract/models';
import { BUILTIN_ARCHS } from '@shared/contract/training';
import { api, errorMessage } from '../api';

export interface TrainingOptions {
  datasets: DatasetSummary[] | null;
  models: RegisteredModel[];
  builtins: string[];
  /** True when no GPU backend works here; null until the engine has answered (or when it cannot). */
  cpuOnly: boolean | null;
  engine: EngineStatus | null;
  error: string | null;
}

/** A GPU is in play only when tfjs-node-gpu loaded; every other backend computes on the CPU. */
export function isCpuOnly(engine: EngineStatus): boolean {
  return !engine.tfjs.tried.some((t) => t.name === 'node-gpu' && t.ok);
}

export function useTrainingOptions(): TrainingOptions {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [models, setModels] = useState<RegisteredModel[]>([]);
  const [builtins, setBuiltins] = useState<string[]>([...BUILTIN_ARCHS]);
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.call('datasets.list', {}).then(
      (list) => live && setDatasets(list),
      (err) => {
        if (!live) return;
        setDatasets([]);
        setError(`Could not load the datasets: ${errorMessage(err)}`);
      },
    );
    api.call('models.list', {}).then(
      (r) => {
        if (!live) return;
        setModels(r.models.filter((m) => m.available));
        // only architectures the trainer knows by name; models.list may list more (inference-only)
        const trainable = r.builtins.map((b) => b.name).filter((n) => (BUILTIN_ARCHS as readonly string[]).includes(n));
        if (trainable.length) setBuiltins(trainable);
      },
      () => undefined, // the built-in names still work without the registry
    );
    api.call('engine.info', {}).then(
      (e) => live && setEngine(e),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  return { datasets, models, builtins, cpuOnly: engine ? isCpuOnly(engine) : null, engine, error };
}
