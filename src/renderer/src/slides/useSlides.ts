/** The library list, kept fresh by the server's `slides.changed` event rather than polling. */
import { api } from '../api';
import { useListLoad } from '../shell/useListLoad';

export function useSlides() {
  const { items: slides, error, refresh } = useListLoad(
    () => api.call('slides.list', {}),
    (refresh) => api.on('slides.changed', refresh),
  );
  return { slides, error, refresh };
}
