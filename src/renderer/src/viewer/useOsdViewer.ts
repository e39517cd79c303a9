/**
 * Owns the OpenSeadragon instance for one slide: created when the container mounts, destroyed
 * with it. Everything the viewer page draws on top (scale bar, ruler, magnification) reads
 * the instance this returns instead of reaching into OpenSeadragon's globals.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import OpenSeadragon from 'openseadragon';
import type { SlideDetail } from '@shared/api';
import { tileSourceFor } from './tileSource';
import { channelCompositor, type ChannelCompositor } from './channelTiles';
import { ownedKeys } from './shortcuts';

export function useOsdViewer(container: RefObject<HTMLDivElement | null>, slide: SlideDetail | null) {
  const [viewer, setViewer] = useState<OpenSeadragon.Viewer | null>(null);
  const [compositor, setCompositor] = useState<ChannelCompositor | null>(null);
  const [failedTiles, setFailedTiles] = useState(0);
  // A refreshed detail (a pixel size typed in) is a new object for the same image: keep the viewer.
  const latest = useRef(slide);
  latest.current = slide;
  const imageKey = slide ? `${slide.id}:${slide.contentHash}` : null;

  useEffect(() => {
    const element = container.current;
    const slide = latest.current;
    if (!element || !slide || !imageKey) return;
    // A slide whose channels have tiles of their own is mixed here; a display change redraws both views.
    let v: OpenSeadragon.Viewer | null = null;
    const mixer = slide.channelTiles
      ? channelCompositor(slide, () => {
          v?.forceRedraw();
          v?.navigator?.forceRedraw();
        })
      : null;
    v = OpenSeadragon({
      element,
      tileSources: mixer ? mixer.tileSource : tileSourceFor(slide),
      // The canvas drawer draws tiles from other origins (tessella://) without CORS, which the
      // WebGL drawer cannot, and it lets a plain CSS filter do brightness/contrast/gamma.
      drawer: 'canvas',
      crossOriginPolicy: false,
      showNavigationControl: false,
      showNavigator: true,
      navigatorPosition: 'TOP_RIGHT',
      navigatorSizeRatio: 0.18,
      navigatorAutoFade: false,
      navigatorOpacity: 1,
      navigatorDisplayRegionColor: '#e53935',
      navigatorBorderColor: 'rgba(128,128,128,0.6)',
      // Two screen pixels per slide pixel: enough to inspect nuclei without pretending to detail.
      maxZoomPixelRatio: 2,
      minZoomImageRatio: 0.5,
      visibilityRatio: 0.3,
      animationTime: 0.5,
      springStiffness: 9,
      zoomPerScroll: 1.35,
      // A stray click should not jump magnification in a diagnostic viewer; double-click still zooms.
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      imageLoaderLimit: 8,
      timeout: 120_000,
      preserveImageSizeOnResize: true,
    });
    // Our own window-level shortcuts own these keys; without this OpenSeadragon would act on
    // them too whenever its canvas has focus (and its `f` flips the image instead of going full screen).
    v.addHandler('canvas-key', (e) => {
      const key = (e.originalEvent as KeyboardEvent).key;
      if (ownedKeys.has(key)) e.preventDefaultAction = true;
    });
    v.addHandler('tile-load-failed', () => setFailedTiles((n) => n + 1));
    setViewer(v);
    setCompositor(mixer);
    return () => {
      setViewer(null);
      setCompositor(null);
      setFailedTiles(0);
      mixer?.close();
      v.destroy();
    };
  }, [container, imageKey]);

  return { viewer, failedTiles, compositor };
}
