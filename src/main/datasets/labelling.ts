/**
 * Labelling a dataset's images by hand: each change is written to SQLite at once (training reads
 * labels from there, so the next run sees it) and kept as one step of a per-dataset undo/redo
 * history in memory, like the annotation history.
 *
 * A step remembers every image's label before and after by class *name*: a class the step created
 * is dropped again on undo (if no image has it) and re-created on redo, which may give it a new
 * row id but never changes what the step means. A step only applies while the images still carry
 * the labels the step left them with; an edit made elsewhere (a re-import, the CLI, another
 * window) would otherwise be silently overwritten, so then the history is cleared instead.
 */
import type { LabelHistoryState, LabelStep } from '../../shared/contract/datasets.js';
import { DomainError } from '../errors.js';
import type { Db } from '../store/db.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { ImagePredictionsRepo } from '../store/image-predictions-repo.js';

/** Images that moved from one label to another in a step. */
interface Move {
  before: string | null;
  after: string | null;
  imageIds: number[];
}

interface Step {
  label: string;
  moves: Move[];
  /** Classes that did not exist before the step. */
  createdClasses: string[];
}

/** A long session of single clicks stays undoable... */
const MAX_STEPS = 500;
/** ...while a few select-all relabels of a huge dataset do not pin gigabytes. */
const MAX_REMEMBERED_IMAGES = 2_000_000;

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class DatasetLabelling {
  private readonly repo: DatasetsRepo;
  private readonly predictions: ImagePredictionsRepo;
  private readonly stacks = new Map<number, { undo: Step[]; redo: Step[] }>();

  constructor(private readonly db: Db) {
    this.repo = new DatasetsRepo(db);
    this.predictions = new ImagePredictionsRepo(db);
  }

  private stack(datasetId: number) {
    let s = this.stacks.get(datasetId);
    if (!s) this.stacks.set(datasetId, (s = { undo: [], redo: [] }));
    return s;
  }

  /** Drops a dataset's history (it was removed; its ids may be reused). */
  forget(datasetId: number): void {
    this.stacks.delete(datasetId);
  }

  state(datasetId: number): LabelHistoryState {
    const s = this.stack(datasetId);
    return { canUndo: s.undo.length > 0, canRedo: s.redo.length > 0, undoLabel: s.undo.at(-1)?.label ?? null, redoLabel: s.redo.at(-1)?.label ?? null };
  }

  private requireDataset(datasetId: number): void {
    if (!this.repo.version(datasetId)) throw new DomainError('not-found', `no dataset with id ${datasetId}`);
  }

  /** Current label name of each image; every id must belong to the dataset. */
  private currentLabels(datasetId: number, imageIds: number[]): Map<number, string | null> {
    const rows = this.db
      .prepare(
        // CROSS JOIN keeps json_each the outer loop: otherwise SQLite may scan the images for every id
        `SELECT i.id, l.name FROM json_each(?) j CROSS JOIN images i ON i.id = j.value AND i.dataset_id = ? LEFT JOIN labels l ON l.id = i.label_id`,
      )
      .all(JSON.stringify(imageIds), datasetId) as { id: number; name: string | null }[];
    const current = new Map(rows.map((r) => [r.id, r.name]));
    if (current.size !== imageIds.length) {
      const missing = imageIds.filter((id) => !current.has(id));
      throw new DomainError('not-found', `${plural(missing.length, 'image')} not in dataset ${datasetId} (first: ${missing[0]})`);
    }
    return current;
  }

  /** Writes the moves' targets; creates target classes as needed. Runs inside a transaction. */
  private write(datasetId: number, moves: { to: string | null; imageIds: number[] }[]): void {
    const update = this.db.prepare(`UPDATE images SET label_id = ?, label_edited = 1, updated_at = ${NOW} WHERE dataset_id = ? AND id IN (SELECT value FROM json_each(?))`);
    for (const m of moves) {
      const labelId = m.to === null ? null : this.repo.ensureLabel(datasetId, m.to);
      update.run(labelId, datasetId, JSON.stringify(m.imageIds));
    }
    // A bumped version makes an import that read the dataset before this edit refuse to overwrite it.
    this.db.prepare(`UPDATE datasets SET updated_at = ${NOW} WHERE id = ?`).run(datasetId);
  }

  private classNames(datasetId: number): string[] {
    return this.repo.labels(datasetId).map((l) => l.name);
  }

  private result(datasetId: number, applied: boolean, changes: LabelStep['changes']): LabelStep {
    return { applied, changes, labels: this.classNames(datasetId), ...this.state(datasetId) };
  }

  private record(datasetId: number, step: Step): void {
    const s = this.stack(datasetId);
    s.undo.push(step);
    s.redo = [];
    const size = (st: Step) => st.moves.reduce((n, m) => n + m.imageIds.length, 0);
    let remembered = s.undo.reduce((n, st) => n + size(st), 0);
    while (s.undo.length > 1 && (s.undo.length > MAX_STEPS || remembered > MAX_REMEMBERED_IMAGES)) remembered -= size(s.undo.shift()!);
  }

  /**
   * Applies a new step: each image gets the label `target` names for it. Images already carrying
   * it are left alone; a step that changes nothing is not recorded.
   */
  private change(datasetId: number, imageIds: number[], target: (id: number) => string | null | undefined, label: (n: number) => string): LabelStep {
    this.requireDataset(datasetId);
    const ids = [...new Set(imageIds)];
    const step = this.db
      .transaction((): Step | null => {
        const current = this.currentLabels(datasetId, ids);
        const existing = new Set(this.classNames(datasetId));
        const moves = new Map<string, Move>();
        for (const id of ids) {
          const after = target(id);
          const before = current.get(id)!;
          if (after === undefined || after === before) continue;
          const key = JSON.stringify([before, after]);
          let m = moves.get(key);
          if (!m) moves.set(key, (m = { before, after, imageIds: [] }));
          m.imageIds.push(id);
        }
        if (moves.size === 0) return null;
        const all = [...moves.values()];
        const createdClasses = [...new Set(all.map((m) => m.after).filter((a): a is string => a !== null && !existing.has(a)))];
        this.write(datasetId, all.map((m) => ({ to: m.after, imageIds: m.imageIds })));
        return { label: label(all.reduce((n, m) => n + m.imageIds.length, 0)), moves: all, createdClasses };
      })
      .immediate();
    if (!step) return this.result(datasetId, false, []);
    this.record(datasetId, step);
    return this.result(datasetId, true, groupByLabel(step.moves.map((m) => ({ label: m.after, imageIds: m.imageIds }))));
  }

  setLabel(datasetId: number, imageIds: number[], label: string | null): LabelStep {
    const name = label?.trim() ?? null;
    return this.change(
      datasetId,
      imageIds,
      () => name,
      (n) => (name === null ? `clear the label of ${plural(n, 'image')}` : `label ${plural(n, 'image')} ${name}`),
    );
  }

  /** Gives each image the class its suggestion (from the given or latest prediction set) names. */
  acceptPredictions(datasetId: number, imageIds: number[], modelHash?: string): LabelStep {
    this.requireDataset(datasetId);
    const set = this.predictions.set(datasetId, modelHash);
    if (!set) throw new DomainError('not-found', `dataset ${datasetId} has no predictions${modelHash ? ` from model ${modelHash}` : ''}; run datasets.predict first`);
    const rows = this.db
      .prepare(`SELECT p.image_id AS id, p.label_index AS idx FROM json_each(?) j CROSS JOIN image_predictions p ON p.image_id = j.value AND p.model_hash = ?`)
      .all(JSON.stringify([...new Set(imageIds)]), set.modelHash) as { id: number; idx: number }[];
    const suggested = new Map(rows.map((r) => [r.id, set.labels[r.idx]]));
    return this.change(datasetId, imageIds, (id) => suggested.get(id), (n) => `accept ${plural(n, 'suggestion')}`);
  }

  addClass(datasetId: number, name: string): { labels: string[]; added: boolean } {
    this.requireDataset(datasetId);
    const trimmed = name.trim();
    const added = this.db
      .transaction(() => {
        if (this.classNames(datasetId).includes(trimmed)) return false;
        this.repo.ensureLabel(datasetId, trimmed);
        this.db.prepare(`UPDATE datasets SET updated_at = ${NOW} WHERE id = ?`).run(datasetId);
        return true;
      })
      .immediate();
    return { labels: this.classNames(datasetId), added };
  }

  undo(datasetId: number): LabelStep {
    return this.move(datasetId, 'undo');
  }

  redo(datasetId: number): LabelStep {
    return this.move(datasetId, 'redo');
  }

  private move(datasetId: number, direction: 'undo' | 'redo'): LabelStep {
    this.requireDataset(datasetId);
    const s = this.stack(datasetId);
    const from = direction === 'undo' ? s.undo : s.redo;
    const to = direction === 'undo' ? s.redo : s.undo;
    const step = from.pop();
    if (!step) return this.result(datasetId, false, []);
    const want = (m: Move) => (direction === 'undo' ? m.before : m.after);
    const expect = (m: Move) => (direction === 'undo' ? m.after : m.before);
    try {
      this.db
        .transaction(() => {
          const ids = step.moves.flatMap((m) => m.imageIds);
          let current: Map<number, string | null>;
          try {
            current = this.currentLabels(datasetId, ids);
          } catch {
            throw conflict(direction, step, 'some of its images are gone');
          }
          for (const m of step.moves) {
            const bad = m.imageIds.find((id) => current.get(id) !== expect(m));
            if (bad !== undefined) throw conflict(direction, step, `image ${bad} was relabelled elsewhere since`);
          }
          this.write(datasetId, step.moves.map((m) => ({ to: want(m), imageIds: m.imageIds })));
          if (direction === 'undo' && step.createdClasses.length) {
            // Only a class this step brought in, and only while no image has it.
            const drop = this.db.prepare(
              'DELETE FROM labels WHERE dataset_id = ? AND name = ? AND NOT EXISTS (SELECT 1 FROM images WHERE label_id = labels.id)',
            );
            for (const name of step.createdClasses) drop.run(datasetId, name);
          }
        })
        .immediate();
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'conflict') this.stacks.delete(datasetId);
      else from.push(step);
      throw e;
    }
    to.push(step);
    return this.result(datasetId, true, groupByLabel(step.moves.map((m) => ({ label: want(m), imageIds: m.imageIds }))));
  }
}

function conflict(direction: 'undo' | 'redo', step: Step, why: string): DomainError {
  return new DomainError('conflict', `cannot ${direction} "${step.label}": ${why}; the dataset's labelling history is cleared`);
}

/** Merges moves that end on the same label, so the client patches each label once. */
function groupByLabel(changes: { label: string | null; imageIds: number[] }[]): LabelStep['changes'] {
  const byLabel = new Map<string | null, number[]>();
  for (const c of changes) {
    // concat, not push(...ids): a select-all step can hold more ids than a call may take arguments
    byLabel.set(c.label, (byLabel.get(c.label) ?? []).concat(c.imageIds));
  }
  return [...byLabel].map(([label, imageIds]) => ({ label, imageIds }));
}
