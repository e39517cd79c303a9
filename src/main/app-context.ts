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
import type { PdfPrinter } from './reports/pdf-printer.js';

export type HostKind = 'electron' | 'browser' | 'cli';

/** What only some hosts can do; services fall back (or say they cannot) when a hook is absent. */
export interface HostHooks {
  /** Report HTML to PDF (Electron's printToPDF); headless Chromium when absent. */
  pdfPrinter?: PdfPrinter;
  /** Opens a file with the system's viewer, or shows it in its folder; false when it could not. */
  openPath?(path: string, reveal: boolean): Promise<boolean>;
}

export interface AppContext extends HostHooks {
  host: HostKind;
  home: HomeLayout;
  db: Db;
  settings: SettingsRepo;
  slides: SlideLibrary;
  events: EventBus;
  close(): void;
}

export interface AppContextOptions extends HostHooks {
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
    ...(opts.pdfPrinter ? { pdfPrinter: opts.pdfPrinter } : {}),
    ...(opts.openPath ? { openPath: opts.openPath } : {}),
    close() {
      slides.close();
      db.close();
    },
  };
}
