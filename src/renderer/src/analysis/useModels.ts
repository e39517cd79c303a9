/**
 * The models a user can pick: registered checkpoints and the built-in architectures. When the
 * registry cannot be read the built-in names are still offered, and any checkpoint folder path
 * can be typed in the picker.
 */
import { useEffect, useState } from 'react';
import type { BuiltinModel, ModelQuality, RegisteredModel } from '@shared/contract/models';
import { api, errorMessage } from '../api';

export interface ModelOption {
  /** What goes to the server: a checkpoint folder or a built-in name. */
  ref: string;
  title: string;
  detail: string;
  group: 'Registered models' | 'Built-in architectures';
  trainedMpp: number | null;
  /** Held-out quality of a model trained here; null when unknown. */
  quality: ModelQuality | null;
}

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

/** "lung · 3 classes · val balanced accuracy 87% (95% CI 79–94%, 14 images) · 0.5 µm/px", or what is not known. */
export function qualityLine(q: ModelQuality | null, trainedMpp: number | null): string {
  const mpp = trainedMpp !== null ? `trained at ${trainedMpp} µm/px` : 'training resolution unknown';
  if (!q) return `not trained in Tessella: no validation accuracy · ${mpp}`;
  const ci = q.ci ? `95% CI ${pct(q.ci[0])}–${pct(q.ci[1])}, ` : '';
  return `${q.dataset ?? 'dataset unknown'} · ${q.classes.length} classes · ${q.split} balanced accuracy ${pct(q.valBalancedAccuracy)} (${ci}${q.valImages} images; chance ${pct(q.chance)}) · ${mpp}`;
}

/** The warning sentence for a model that does no better than guessing; null when it does. */
export function chanceWarning(title: string, q: ModelQuality | null): string | null {
  if (!q?.atChance) return null;
  const ci = q.ci ? ` (95% CI ${pct(q.ci[0])}–${pct(q.ci[1])})` : '';
  return `${title} scored ${pct(q.valBalancedAccuracy)} balanced accuracy${ci} on its ${q.valImages} ${q.split === 'val' ? 'validation' : 'test'} images, not clearly above the ${pct(q.chance)} of guessing among ${q.classes.length} classes: its labels may mean nothing.`;
}

const fallbackBuiltins = ['vit-b16', 'vit-s16', 'vit-ti16', 'resnet-50', 'resnet-18'];

function registered(m: RegisteredModel): ModelOption {
  return {
    ref: m.dir,
    title: m.name,
    detail: `${m.arch} · ${m.labels.length} classes (${m.labels.slice(0, 4).join(', ')}${m.labels.length > 4 ? '…' : ''})${m.available ? '' : ' · folder missing'}`,
    group: 'Registered models',
    trainedMpp: m.trainedMpp,
    quality: m.quality ?? null,
  };
}

function builtin(b: Pick<BuiltinModel, 'name'> & Partial<BuiltinModel>): ModelOption {
  return {
    ref: b.name,
    title: b.name,
    detail: b.arch ? `${b.arch} · ${b.inputSize ?? 224} px input · untrained weights` : 'built-in architecture',
    group: 'Built-in architectures',
    trainedMpp: null,
    quality: null,
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
