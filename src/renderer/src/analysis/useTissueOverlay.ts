/**
 * Tissue detection on demand: while the overlay is on, every change of the thresholds reruns
 * analysis.tissue (debounced; the server caches the low-resolution image) and the mask comes
 * back as a PNG drawn over the slide at its downsample.
 */
import { useEffect, useState } from 'react';
import type { TissueParams, TissueResult } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';
import { defaultTissueParams } from './tissueParams';

export interface TissueOverlay {
  enabled: boolean;
  setEnabled: (on: boolean) => void;
  params: TissueParams;
  setParams: (p: TissueParams) => void;
  result: TissueResult | null;
  /** The decoded mask, ready to draw. */
  image: HTMLImageElement | null;
  loading: boolean;
  error: string | null;
}

const debounceMs = 300;

export function useTissueOverlay(slideId: number): TissueOverlay {
  const [enabled, setEnabled] = useState(false);
  const [params, setParams] = useState<TissueParams>(defaultTissueParams);
  const [result, setResult] = useState<TissueResult | null>(null);
  const [image, setImage] = useState<HTMLImageElement | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let stop = false;
    const timer = window.setTimeout(async () => {
      setLoading(true);
      try {
        const r = await api.call('analysis.tissue', { slideId, tissue: params });
        const img = new Image();
        img.src = `data:image/png;base64,${r.png}`;
        await img.decode();
        if (stop) return;
        setResult(r);
        setImage(img);
        setError(null);
      } catch (err) {
        if (!stop) setError(errorMessage(err));
      } finally {
        if (!stop) setLoading(false);
      }
    }, debounceMs);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [slideId, enabled, params]);

  return { enabled, setEnabled, params, setParams, result, image, loading, error };
}
