import { useEffect, useState } from 'react';
import type { SlideDetail } from '@shared/api';
import { api, errorCode, errorMessage } from '../api';

/** Loads one slide's detail once; the viewer is rebuilt per slide, so no live refresh is wanted. */
export function useSlideDetail(slideId: number) {
  const [slide, setSlide] = useState<SlideDetail | null>(null);
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null);

  useEffect(() => {
    let live = true;
    setSlide(null);
    setError(null);
    api.call('slides.get', { id: slideId }).then(
      (detail) => live && setSlide(detail),
      (err) => live && setError({ message: errorMessage(err), notFound: errorCode(err) === 'not-found' }),
    );
    return () => {
      live = false;
    };
  }, [slideId]);

  return { slide, error };
}
