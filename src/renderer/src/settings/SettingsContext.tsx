/**
 * Settings and app info are needed all over the UI (theme, label hiding, reader warnings),
 * so they are fetched once here and shared. Writes go through the server, which returns the
 * full settings; we adopt that rather than guessing, so every host stays the source of truth.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppInfo, Settings, SettingsPatch } from '@shared/api';
import { api, errorMessage } from '../api';

/** Used only until the server answers, so the first paint has a theme. */
const fallbackSettings: Settings = { theme: 'system', hideLabelImages: true, tileQuality: 85, engine: { provider: 'auto', precision: 'fp32' } };

interface SettingsState {
  settings: Settings;
  loaded: boolean;
  info: AppInfo | null;
  /** Why settings or info could not be loaded (server unreachable, bad token...). */
  loadError: string | null;
  update: (patch: SettingsPatch) => Promise<void>;
}

const SettingsContext = createContext<SettingsState | null>(null);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [settings, setSettings] = useState<Settings>(fallbackSettings);
  const [loaded, setLoaded] = useState(false);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([api.call('settings.get', {}), api.call('app.info', {})]).then(
      ([s, i]) => {
        if (!live) return;
        setSettings(s);
        setInfo(i);
        setLoaded(true);
      },
      (err) => live && setLoadError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  const update = useCallback(async (patch: SettingsPatch) => {
    // Optimistic so the theme flips instantly; the server's answer then wins.
    setSettings((s) => ({ ...s, ...patch, engine: { ...s.engine, ...patch.engine } }));
    try {
      setSettings(await api.call('settings.set', patch));
    } catch (err) {
      setSettings(await api.call('settings.get', {}).catch(() => fallbackSettings));
      throw err;
    }
  }, []);

  const value = useMemo(() => ({ settings, loaded, info, loadError, update }), [settings, loaded, info, loadError, update]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsState {
  const ctx = useContext(SettingsContext);
  if (!ctx) throw new Error('useSettings outside SettingsProvider');
  return ctx;
}
