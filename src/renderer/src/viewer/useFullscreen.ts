/**
 * Full screen for the viewer. The whole document goes full screen (so MUI dialogs, tooltips and
 * popovers, which render at the end of <body>, stay visible) and the viewer page lays itself over
 * the app chrome. If the browser refuses full screen (no user gesture, policy), the page still
 * takes over the window, which is most of the benefit.
 */
import { useCallback, useEffect, useState } from 'react';

export function useFullscreen() {
  const [fullscreen, setFullscreen] = useState(false);

  useEffect(() => {
    const onChange = () => {
      if (!document.fullscreenElement) setFullscreen(false);
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => {
      document.removeEventListener('fullscreenchange', onChange);
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    };
  }, []);

  const enter = useCallback(() => {
    setFullscreen(true);
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => undefined);
    }
  }, []);

  const exit = useCallback(() => {
    setFullscreen(false);
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  }, []);

  const toggle = useCallback(() => (fullscreen ? exit() : enter()), [fullscreen, enter, exit]);

  return { fullscreen, toggle, exit };
}
