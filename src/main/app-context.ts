/**
 * Everything the front doors share: the data home, the database and the services on it.
 * Created once per process by whichever host starts (Electron, browser mode, CLI).
 */
import { ensureHome, defaultHome, type HomeLayout } from './home.js';
import { openDb, type Db } from './store/db.js';
import { SlidesRepo } from './store/slides-repo.js';
import { SettingsRepo } from './store/settings-repo.js';
import { SlideLibrary } from './slides/library.js';
import { EventBus } from './events.js';

export type HostKind = 'electron' | 'browser' | 'cli';

export interface AppContext {
  host: HostKind;
  home: HomeLayout;
  db: Db;
  settings: SettingsRepo;
  slides: SlideLibrary;
  events: EventBus;
  close(): void;
}

export interface AppContextOptions {
  host: HostKind;
  home?: string;
  nativeBinding?: string;
}

export function createAppContext(opts: AppContextOptions): AppContext {
  const home = ensureHome(opts.home ?? defaultHome());
  const db = openDb(home.db, { nativeBinding: opts.nativeBinding });
  const slides = new SlideLibrary(new SlidesRepo(db), home);
  return {
    host: opts.host,
    home,
    db,
    settings: new SettingsRepo(db),
    slides,
    events: new EventBus(),
    close() {
      slides.close();
      db.close();
    },
  };
}
