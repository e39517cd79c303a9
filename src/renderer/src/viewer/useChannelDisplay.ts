/**
 * The channel display state of the open slide: its displayable channels (fluorescence only),
 * their views, and how they reach the screen: the CSS filter reference for the canvas where the
 * tiles carry the channels, or the compositor mixing channel tiles where each has its own.
 * Ranges start auto-contrasted once the slide's histograms are in, as QuPath opens a
 * fluorescence image.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SlideDetail } from '@shared/api';
import { autoRange, defaultViews, displayChannels, type ChannelView } from './channelDisplay';
import { channelFilterId, useSampleHistograms } from './ChannelsPanel';
import type { ChannelCompositor } from './channelTiles';

/** Histograms of channels with tiles of their own, from the compositor's overview tiles. */
function useOwnHistograms(compositor: ChannelCompositor | null): Uint32Array[] | null {
  const [hist, setHist] = useState<Uint32Array[] | null>(null);
  useEffect(() => {
    setHist(null);
    if (!compositor) return;
    let stop = false;
    compositor.histograms().then(
      (h) => stop || setHist(h),
      () => {}, // no histograms: ranges stay manual
    );
    return () => {
      stop = true;
    };
  }, [compositor]);
  return hist;
}

export function useChannelDisplay(slide: SlideDetail | null, compositor: ChannelCompositor | null = null) {
  const ownTiles = slide?.channelTiles ?? false;
  const channels = useMemo(
    () => (slide?.imageType === 'fluorescence' ? displayChannels(slide.channels, ownTiles) : []),
    [slide?.imageType, slide?.channels, ownTiles],
  );
  const [views, setViewsState] = useState<ChannelView[]>([]);
  const touched = useRef(false);
  const key = `${slide?.id}:${ownTiles}:${channels.map((c) => c.name).join('|')}`;
  useEffect(() => {
    touched.current = false;
    setViewsState(defaultViews(channels));
  }, [key]);
  const samples = useSampleHistograms(slide, channels.length > 0 && !ownTiles);
  const own = useOwnHistograms(ownTiles ? compositor : null);
  const histograms = useMemo(
    () => (ownTiles ? own : samples ? channels.map((c) => (c.sample ? samples[c.sample] : new Uint32Array(256))) : null),
    [ownTiles, own, samples, channels],
  );
  useEffect(() => {
    if (!histograms || touched.current || channels.length === 0) return;
    setViewsState(defaultViews(channels).map((v, i) => ({ ...v, ...autoRange(histograms[i]!) })));
  }, [histograms, key]);
  const setViews = (next: ChannelView[]) => {
    touched.current = true;
    setViewsState(next);
  };
  const active = channels.length > 0 && views.length === channels.length;
  useEffect(() => {
    // Channels with tiles of their own: every channel is listed, so views line up with channel indices.
    if (compositor && active) void compositor.setViews(views);
  }, [compositor, views, active]);
  return { channels, views, setViews, histograms, active, filter: active && !ownTiles ? `url(#${channelFilterId})` : '' };
}
