/**
 * Brightness / contrast / gamma as a display-only filter on OpenSeadragon's canvas: tiles and
 * measurements are untouched, only what the eye sees changes. CSS has no gamma, so that part
 * is an SVG transfer function referenced from the CSS filter.
 */
import { useEffect } from 'react';
import type OpenSeadragon from 'openseadragon';

export interface Adjustments {
  brightness: number;
  contrast: number;
  gamma: number;
}

export const neutralAdjustments: Adjustments = { brightness: 1, contrast: 1, gamma: 1 };

export function isNeutral(a: Adjustments): boolean {
  return a.brightness === 1 && a.contrast === 1 && a.gamma === 1;
}

const gammaFilterId = 'tessella-viewer-gamma';

export function cssFilter(a: Adjustments): string {
  const parts: string[] = [];
  // Gamma is applied first so brightness/contrast act on the corrected tones, as in most viewers.
  if (a.gamma !== 1) parts.push(`url(#${gammaFilterId})`);
  if (a.brightness !== 1) parts.push(`brightness(${a.brightness})`);
  if (a.contrast !== 1) parts.push(`contrast(${a.contrast})`);
  return parts.join(' ');
}

/** The SVG the CSS filter points at; render once next to the viewer. */
export function GammaFilterDefs({ gamma }: { gamma: number }) {
  const exponent = 1 / gamma;
  return (
    <svg width="0" height="0" style={{ position: 'absolute' }} aria-hidden="true" focusable="false">
      <filter id={gammaFilterId} colorInterpolationFilters="sRGB">
        <feComponentTransfer>
          <feFuncR type="gamma" amplitude={1} exponent={exponent} offset={0} />
          <feFuncG type="gamma" amplitude={1} exponent={exponent} offset={0} />
          <feFuncB type="gamma" amplitude={1} exponent={exponent} offset={0} />
        </feComponentTransfer>
      </filter>
    </svg>
  );
}

/** `before`: a filter applied ahead of the adjustments (the channel display of a fluorescence slide). */
export function useCanvasFilter(viewer: OpenSeadragon.Viewer | null, adjustments: Adjustments, before = '') {
  const filter = [before, cssFilter(adjustments)].filter(Boolean).join(' ');
  useEffect(() => {
    // The drawer's own canvas, not the viewer's element: the navigator and overlays stay true.
    const canvas = viewer?.drawer?.canvas as HTMLElement | undefined;
    if (!canvas) return;
    canvas.style.filter = filter;
    return () => {
      canvas.style.filter = '';
    };
  }, [viewer, filter]);
}
