/**
 * The channel display state of the open slide: its displayable channels (fluorescence only),
 * their views, and the CSS filter reference for the canvas. Ranges start auto-contrasted once
 * the slide's histograms are in, as QuPath opens a fluorescence image.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SlideDetail } from '@shared/api';
import { autoRange, defaultViews, displayChannels, type ChannelView } from './channelDisplay';
import { channelFilterId, useSampleHistograms } from './ChannelsPanel';

export function useChannelDisplay(slide: SlideDetail | null) {
  const channels = useMemo(() => (slide?.imageType === 'fluorescence' ? displayChannels(slide.channels) : []), [slide?.imageType, slide?.channels]);
  const [views, setViewsState] = useState<ChannelView[]>([]);
  const touched = useRef(false);
  const key = `${slide?.id}:${channels.map((c) => c.name).join('|')}`;
  useEffect(() => {
    touched.current = false;
    setViewsState(defaultViews(channels));
  }, [key]);
  const histograms = useSampleHistograms(slide, channels.length > 0);
  useEffect(() => {
    if (!histograms || touched.current || channels.length === 0) return;
    setViewsState(defaultViews(channels).map((v, i) => ({ ...v, ...autoRange(histograms[channels[i]!.sample]) })));
  }, [histograms, key]);
  const setViews = (next: ChannelView[]) => {
    touched.current = true;
    setViewsState(next);
  };
  const active = channels.length > 0 && views.length === channels.length;
  return { channels, views, setViews, histograms, active, filter: active ? `url(#${channelFilterId})` : '' };
}
