/** The runs.groups and runs.group calls: cross-validations and sweeps for the Runs pages. */
import type { HandlersFor } from '../../shared/api.js';
import type { runGroupCalls } from '../../shared/contract/run-groups.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { RunGroupsRepo } from '../store/run-groups-repo.js';

export function createRunGroupHandlers(ctx: AppContext): HandlersFor<typeof runGroupCalls> {
  const repo = new RunGroupsRepo(ctx.db);
  return {
    'runs.groups': async () => repo.list(),
    'runs.group': async ({ id }) => {
      const g = repo.get(id);
      if (!g) throw new DomainError('not-found', `no cross-validation or sweep with id ${id}`);
      return g;
    },
  };
}
