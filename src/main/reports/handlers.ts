/** The reports.* calls: thin wrappers over the context's ReportService. */
import type { HandlersFor } from '../../shared/api.js';
import type { reportCalls } from '../../shared/contract/reports.js';
import type { AppContext } from '../app-context.js';
import { reportService } from './service.js';

export function createReportHandlers(ctx: AppContext): HandlersFor<typeof reportCalls> {
  // Created now, so reports a crashed process left unfinished are marked at start.
  reportService(ctx);
  const svc = () => reportService(ctx);
  return {
    'reports.slide': async (input) => svc().slide(input),
    'reports.run': async (input) => svc().run(input),
    'reports.cohort': async (input) => svc().cohort(input),
    'reports.list': async () => svc().list(),
    'reports.get': async ({ id }) => svc().get(id),
    'reports.cancel': async ({ id }) => ({ cancelled: await svc().cancel(id) }),
    'reports.remove': async ({ id, deleteFiles }) => ({ removed: await svc().remove(id, deleteFiles) }),
    'reports.open': async ({ id, target, reveal }) => ({ opened: await svc().open(id, target, reveal) }),
  };
}
