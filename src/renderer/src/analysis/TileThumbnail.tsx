/**
 * A level-0 region of the slide as a small picture, put together from the viewer's own DeepZoom
 * tiles (already cached by the browser, no extra server call): the coarsest level that still
 * gives the thumbnail full detail, and only the one to four tiles the region touches.
 */
import { useEffect, useRef } from 'react';
import type { SlideDetail } from '@shared/api';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';

export function TileThumbnail({ slide, x, y, size, px }: { slide: Pick<SlideDetail, 'id' | 'deepZoom'>; x: number; y: number; size: number; px: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const out = Math.round(px * dpr);
    element.width = out;
    element.height = out;
    const dz = slide.deepZoom;
    const maxLevel = dz.levelCount - 1;
    const down = Math.max(0, Math.min(maxLevel, Math.floor(Math.log2(Math.max(1, size / out)))));
    const level = maxLevel - down;
    const scale = 2 ** -down;
    const levelW = Math.ceil(dz.width * scale);
    const levelH = Math.ceil(dz.height * scale);
    const rx = x * scale;
    const ry = y * scale;
    const rs = size * scale;
    const k = out / rs;
    const ts = dz.tileSize;
    const c0 = Math.max(0, Math.floor(rx / ts));
    const c1 = Math.min(Math.ceil(levelW / ts) - 1, Math.floor((rx + rs - 1) / ts));
    const r0 = Math.max(0, Math.floor(ry / ts));
    const r1 = Math.min(Math.ceil(levelH / ts) - 1, Math.floor((ry + rs - 1) / ts));
    let stop = false;
    ctx.fillStyle = '#888';
    ctx.fillRect(0, 0, out, out);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const img = new Image();
        img.onload = () => {
          if (stop) return;
          // A DeepZoom tile carries `overlap` extra pixels on each side that has a neighbour.
          const ox = c * ts - (c > 0 ? dz.overlap : 0);
          const oy = r * ts - (r > 0 ? dz.overlap : 0);
          ctx.drawImage(img, (ox - rx) * k, (oy - ry) * k, img.naturalWidth * k, img.naturalHeight * k);
        };
        img.src = resourceUrl(resourcePaths.tile(slide.id, level, c, r));
      }
    }
    return () => {
      stop = true;
    };
  }, [slide, x, y, size, px]);

  return <canvas ref={canvas} style={{ width: px, height: px, display: 'block' }} />;
}
