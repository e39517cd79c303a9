/** The library list, kept fresh by the server's `slides.changed` event rather than polling. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SlideSummary } from '@shared/api';
import { api, errorMessage } from '../api';

export function useSlides() {
  const [slides, setSlides] = useState<SlideSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Responses can arrive out of order when events come in bursts; only the latest request may win.
  const generation = useRef(0);

  const refresh = useCallback(() => {
    const mine = ++generation.current;
    api.call('slides.list', {}).then(
      (list) => {
        if (mine !== generation.current) return;
        setSlides(list);
        setError(null);
      },
      (err) => mine === generation.current && setError(errorMessage(err)),
    );
  }, []);

  useEffect(() => {
    refresh();
    const off = api.on('slides.changed', refresh);
    return () => {
      generation.current++;
      off();
    };
  }, [refresh]);

  return { slides, error, refresh };
}
