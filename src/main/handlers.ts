/** The implementation of every call in the contract, shared by all hosts. */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { SUPPORTED_FORMATS } from './slides/reader.js';
import { readerStatus, SLIDE_EXTENSIONS } from './slides/open-slide.js';
import { toSummary } from './slides/library.js';
import { sampleSlides } from './slides/sample-slides.js';
import type { Handlers } from '../shared/api.js';
import type { AppContext } from './app-context.js';
import { appVersion } from './version.js';
import { createDatasetHandlers } from './datasets/handlers.js';
import { createAnnotationHandlers } from './annotations/handlers.js';
import { createTrainingHandlers } from './train/handlers.js';
import { createRunGroupHandlers } from './train/run-group-handlers.js';
import { createAnalysisHandlers } from './analysis/handlers.js';
import { createModelHandlers } from './models/handlers.js';
import { createReportHandlers } from './reports/handlers.js';
import { createCohortHandlers } from './cohorts/handlers.js';

export function createHandlers(ctx: AppContext): Handlers {
  return {
    ...createDatasetHandlers(ctx),
    ...createAnnotationHandlers(ctx),
    ...createTrainingHandlers(ctx),
    ...createRunGroupHandlers(ctx),
    ...createAnalysisHandlers(ctx),
    ...createModelHandlers(ctx),
    ...createReportHandlers(ctx),
    ...createCohortHandlers(ctx),
    'app.info': async () => ({
      version: appVersion(),
      home: ctx.home.root,
      host: ctx.host,
      platform: `${process.platform}-${process.arch}`,
      readers: readerStatus(),
      supportedFormats: SUPPORTED_FORMATS,
      sampleSlides: sampleSlides(),
    }),
    'settings.get': async () => ctx.settings.get(),
    'settings.set': async (patch) => ctx.settings.set(patch),
    'slides.list': async () => ctx.slides.list(),
    'slides.add': async ({ paths, plainImages }) => {
      const result = await ctx.slides.add(paths, { plainImages });
      if (result.added.length) ctx.events.emit('slides.changed', {});
      return result;
    },
    'slides.get': async ({ id }) => ctx.slides.detail(id),
    'slides.setMpp': async ({ id, mpp }) => {
      const slide = toSummary(ctx.slides.setMpp(id, mpp));
      ctx.events.emit('slides.changed', {});
      return slide;
    },
    'slides.remove': async ({ id }) => {
      const removed = ctx.slides.remove(id);
      if (removed) ctx.events.emit('slides.changed', {});
      return { removed };
    },
    'fs.list': async ({ dir }) => {
      const abs = resolve(dir ?? homedir());
      const dirents = await readdir(abs, { withFileTypes: true });
      const entries = await Promise.all(
        dirents
          .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isFile()))
          .map(async (d) => {
            const path = join(abs, d.name);
            const isDir = d.isDirectory();
            const size = isDir ? undefined : await stat(path).then((s) => s.size, () => undefined);
            return { name: d.name, path, kind: isDir ? ('dir' as const) : ('file' as const), size, slideLike: !isDir && SLIDE_EXTENSIONS.has(extname(d.name).toLowerCase()) };
          }),
      );
      entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(abs);
      return { dir: abs, parent: parent === abs ? null : parent, entries };
    },
  };
}
