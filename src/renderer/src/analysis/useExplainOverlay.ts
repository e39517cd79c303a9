/**
 * "Explain this view": the region on screen goes to analysis.explain with the model and
 * resolution of the analysis shown, and the map comes back drawn over the slide where it was
 * computed (its extent: whole tiles around the region).
 */
import { useCallback, useMemo, useState } from 'react';
import type { AnalysisParamsInput, ExplainResult } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';
import { explainCanvas, mainMap, tissueCells } from './explainImage';
import type { TileData } from './tileData';

export interface ExplainRequest {
  model: string;
  slideId: number;
  region: { x: number; y: number; w: number; h: number };
  params?: AnalysisParamsInput;
  target?: string;
}

export interface ExplainOverlay {
  result: ExplainResult | null;
  canvas: HTMLCanvasElement | null;
  loading: boolean;
  error: string | null;
  visible: boolean;
  setVisible: (on: boolean) => void;
  run: (req: ExplainRequest) => Promise<void>;
  clear: () => void;
}

/** `tiles`: the analysis shown, whose tissue tiles decide which cells are drawn (glass stays clear). */
export function useExplainOverlay(tiles: TileData | null): ExplainOverlay {
  const [result, setResult] = useState<ExplainResult | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [visible, setVisible] = useState(true);

  const run = useCallback(async (req: ExplainRequest) => {
    setLoading(true);
    setError(null);
    try {
      const r = await api.call('analysis.explain', { model: req.model, slideId: req.slideId, region: req.region, params: req.params, target: req.target });
      setResult(r);
      setVisible(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, []);

  const clear = useCallback(() => {
    setResult(null);
    setError(null);
  }, []);

  const canvas = useMemo(() => {
    const map = result ? mainMap(result) : null;
    return map ? explainCanvas(map, tissueCells(map, result?.extent ?? null, tiles)) : null;
  }, [result, tiles]);

  return { result, canvas, loading, error, visible, setVisible, run, clear };
}
