import { useEffect, useState } from 'react';
import type { SlideDetail } from '@shared/api';
import { api, errorCode, errorMessage } from '../api';

/**
 * Loads one slide's detail, and reloads it when the library changes (a pixel size typed in here or
 * from the CLI), so the scale bar, ruler and metadata follow at once; the viewer itself is keyed
 * on the slide's id and content, so a reload does not rebuild it.
 */
export function useSlideDetail(slideId: number) {
  const [slide, setSlide] = useState<SlideDetail | null>(null);
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null);

  useEffect(() => {
    let live = true;
    setSlide(null);
    setError(null);
    const load = (first: boolean) =>
      api.call('slides.get', { id: slideId }).then(
        (detail) => live && setSlide(detail),
        // A refresh that fails (the slide was just removed) leaves what is on screen; the first load says why.
        (err) => live && first && setError({ message: errorMessage(err), notFound: errorCode(err) === 'not-found' }),
      );
    void load(true);
    const off = api.on('slides.changed', () => void load(false));
    return () => {
      live = false;
      off();
    };
  }, [slideId]);

  return { slide, error };
}
