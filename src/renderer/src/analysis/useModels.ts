/**
 * The models a user can pick: registered checkpoints and the built-in architectures. When the
 * registry cannot be read the built-in names are still offered, and any checkpoint folder path
 * can be typed in the picker.
 */
import { useEffect, useState } from 'react';
import type { BuiltinModel, RegisteredModel } from '@shared/contract/models';
import { api, errorMessage } from '../api';

export interface ModelOption {
  /** What goes to the server: a checkpoint folder or a built-in name. */
  ref: string;
  title: string;
  detail: string;
  group: 'Registered models' | 'Built-in architectures';
  trainedMpp: number | null;
}

const fallbackBuiltins = ['vit-b16', 'vit-s16', 'vit-ti16', 'resnet-50', 'resnet-18'];

function registered(m: RegisteredModel): ModelOption {
  return {
    ref: m.dir,
    title: m.name,
    detail: `${m.arch} · ${m.labels.length} classes (${m.labels.slice(0, 4).join(', ')}${m.labels.length > 4 ? '…' : ''})${m.available ? '' : ' · folder missing'}`,
    group: 'Registered models',
    trainedMpp: m.trainedMpp,
  };
}

function builtin(b: Pick<BuiltinModel, 'name'> & Partial<BuiltinModel>): ModelOption {
  return {
    ref: b.name,
    title: b.name,
    detail: b.arch ? `${b.arch} · ${b.inputSize ?? 224} px input · untrained weights` : 'built-in architecture',
    group: 'Built-in architectures',
    trainedMpp: null,
  };
}

export function useModels(): { options: ModelOption[]; error: string | null } {
  const [options, setOptions] = useState<ModelOption[]>(() => fallbackBuiltins.map((name) => builtin({ name })));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    api.call('models.list', {}).then(
      ({ models, builtins }) => !stop && setOptions([...models.map(registered), ...builtins.map(builtin)]),
      (err) => !stop && setError(errorMessage(err)),
    );
    return () => {
      stop = true;
    };
  }, []);
  return { options, error };
}
