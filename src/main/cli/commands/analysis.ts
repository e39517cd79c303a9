/** `tessella analysis list`: the slide analyses in the data home, so scripts can see what a run or a cohort collect stored. */
import type { Analysis } from '../../../shared/contract/analysis.js';
import { analysisService } from '../../analysis/service.js';
import type { CliCommand } from '../command.js';

const list: CliCommand = {
  path: ['analysis', 'list'],
  summary: 'Slide analyses in the data home: id, slide, model, status and tiles',
  async run({ app }) {
    const rows: Analysis[] = analysisService(await app()).list({});
    return rows.map((a) => ({
      id: a.id,
      slide: { id: a.slideId, name: a.slideName },
      model: { name: a.model.name, dir: a.model.dir, hash: a.model.hash },
      status: a.status,
      tiles: { done: a.done, total: a.total },
      targetMpp: a.params.targetMpp,
      slideLabel: a.summary?.slideLabel ?? null,
    }));
  },
  human: (rows: { id: number; slide: { name: string }; model: { name: string }; status: string; tiles: { done: number; total: number | null } }[]) =>
    rows.length === 0 ? 'no analyses yet' : rows.map((r) => `${String(r.id).padStart(4)}  ${r.status.padEnd(11)} ${`${r.tiles.done}/${r.tiles.total ?? '?'}`.padStart(11)}  ${r.model.name}  ${r.slide.name}`).join('\n'),
};

export const analysisCommands: CliCommand[] = [list];
