/**
 * Per-slide undo/redo, in memory. Each step records every row it touched as it was before and
 * after, so undo and redo put back whole rows (ids and timestamps included) instead of replaying
 * edits. A step only applies while the rows are still as the step left them: an edit made
 * elsewhere (another window, the CLI) would otherwise be silently overwritten.
 */
import { DomainError } from '../errors.js';
import type { AnnotationRow, AnnotationsRepo } from '../store/annotations-repo.js';
import type { HistoryState, HistoryStep } from '../../shared/contract/annotations.js';

export interface RowChange {
  uuid: string;
  before: AnnotationRow | null;
  after: AnnotationRow | null;
}

export interface Step {
  label: string;
  changes: RowChange[];
}

/** Enough for a long drawing session; an import of many thousand features is one step. */
const MAX_STEPS = 200;

export class AnnotationHistory {
  private readonly stacks = new Map<number, { undo: Step[]; redo: Step[] }>();

  constructor(private readonly repo: AnnotationsRepo) {}

  private stack(slideId: number) {
    let s = this.stacks.get(slideId);
    if (!s) this.stacks.set(slideId, (s = { undo: [], redo: [] }));
    return s;
  }

  /** Record an edit just made; a new edit ends the redo branch. */
  record(slideId: number, step: Step): void {
    if (step.changes.length === 0) return;
    const s = this.stack(slideId);
    s.undo.push(step);
    if (s.undo.length > MAX_STEPS) s.undo.shift();
    s.redo = [];
  }

  state(slideId: number): HistoryState {
    const s = this.stack(slideId);
    return {
      canUndo: s.undo.length > 0,
      canRedo: s.redo.length > 0,
      undoLabel: s.undo.at(-1)?.label ?? null,
      redoLabel: s.redo.at(-1)?.label ?? null,
    };
  }

  undo(slideId: number): HistoryStep {
    return this.move(slideId, 'undo');
  }

  redo(slideId: number): HistoryStep {
    return this.move(slideId, 'redo');
  }

  private move(slideId: number, direction: 'undo' | 'redo'): HistoryStep {
    const s = this.stack(slideId);
    const from = direction === 'undo' ? s.undo : s.redo;
    const to = direction === 'undo' ? s.redo : s.undo;
    const step = from.pop();
    if (!step) return { applied: false, changed: [], ...this.state(slideId) };
    const target = (c: RowChange) => (direction === 'undo' ? c.before : c.after);
    const expected = (c: RowChange) => (direction === 'undo' ? c.after : c.before);
    let changes: RowChange[];
    try {
      changes = this.repo.transaction(() => {
        const current = step.changes.map((c) => this.repo.byUuid(slideId, c.uuid));
        step.changes.forEach((c, i) => {
          if (!sameRow(current[i], expected(c))) {
            throw new DomainError('conflict', `cannot ${direction} "${step.label}": annotation ${c.uuid} was changed outside this window's history since; the slide's undo history is cleared`);
          }
        });
        // All deletes first, so rows trading places by uuid never collide.
        for (const row of current) if (row) this.repo.deleteById(row.id);
        for (const c of step.changes) {
          const row = target(c);
          if (row) this.repo.restore(row);
        }
        // Read back: a restored row may have had to take a new id.
        return step.changes.map((c) => {
          const now = target(c) ? this.repo.byUuid(slideId, c.uuid) : null;
          return direction === 'undo' ? { uuid: c.uuid, before: now, after: c.after } : { uuid: c.uuid, before: c.before, after: now };
        });
      });
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'conflict') this.stacks.delete(slideId);
      else from.push(step);
      throw e;
    }
    to.push({ label: step.label, changes });
    return { applied: true, changed: step.changes.map((c) => c.uuid), ...this.state(slideId) };
  }
}

/** Same content; the id may differ after a restore had to renumber. */
function sameRow(a: AnnotationRow | null, b: AnnotationRow | null): boolean {
  if (a === null || b === null) return a === b;
  return (Object.keys(a) as (keyof AnnotationRow)[]).every((k) => k === 'id' || a[k] === b[k]);
}
