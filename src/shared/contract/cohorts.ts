/**
 * Cohorts in the UI: the cohort folders this data home knows (recorded when `cohort run` sets one
 * up, or added by path), each slide's state, and collecting the results into the data home.
 */
import { z } from 'zod';
import { call } from './define.js';

export const CohortSlideState = z.enum(['queued', 'running', 'done', 'failed']);

export const CohortCounts = z.object({ queued: z.number().int(), running: z.number().int(), done: z.number().int(), failed: z.number().int() });

export const CohortSlideStatus = z.object({
  index: z.number().int(),
  path: z.string(),
  state: CohortSlideState,
  tiles: z.number().int().nullable(),
  /** The failure's last line. */
  error: z.string().nullable(),
  jobId: z.string().nullable(),
});

export const CohortStatus = z.object({
  dir: z.string(),
  executor: z.enum(['local', 'slurm']),
  model: z.string(),
  slides: z.array(CohortSlideStatus),
  counts: CohortCounts,
  /** False when the cohort is on Slurm and Slurm did not answer (states from markers only). */
  slurmAnswered: z.boolean(),
});

/** A known cohort folder: its counts, or why it cannot be read now (moved, deleted). */
export const CohortEntry = z.object({
  dir: z.string(),
  model: z.string().nullable(),
  executor: z.enum(['local', 'slurm']).nullable(),
  slides: z.number().int(),
  counts: CohortCounts.nullable(),
  error: z.string().nullable(),
});

export const CollectedSlide = z.object({
  index: z.number().int(),
  path: z.string(),
  slideId: z.number().int().nullable(),
  analysisId: z.number().int().nullable(),
  /** True when this collect stored the analysis; false when it was already in the data home. */
  imported: z.boolean(),
  error: z.string().nullable(),
});

export const CollectSummary = z.object({
  dir: z.string(),
  slides: z.array(CollectedSlide),
  imported: z.number().int(),
  kept: z.number().int(),
  failed: z.number().int(),
});

const CohortDir = z.object({ dir: z.string().min(1).max(4096) });

export const cohortCalls = {
  'cohorts.list': call(z.object({}), z.array(CohortEntry), 'The cohort folders this data home knows, with per-state slide counts.'),
  'cohorts.add': call(CohortDir, CohortEntry, 'Remember an existing cohort folder (one holding a manifest.json).'),
  'cohorts.remove': call(CohortDir, z.object({ removed: z.boolean() }), 'Forget a cohort folder (its files stay).'),
  'cohorts.status': call(CohortDir, CohortStatus, "Each slide's state in a cohort folder: queued, running, done or failed (with why)."),
  'cohorts.collect': call(
    CohortDir.extend({ jobId: z.string().min(1).max(100).optional() }),
    CollectSummary,
    "Merge a cohort's done slides into the data home (slides, analyses, heatmaps; job.progress kind 'cohorts.collect' when jobId is given); collecting twice changes nothing.",
  ),
  'cohorts.runLocal': call(
    z.object({
      /** Slide files, in the order the cohort numbers them. */
      slides: z.array(z.string().min(1)).min(1).max(10_000),
      /** A checkpoint folder, built-in architecture or pulled Hub id. */
      model: z.string().min(1),
      /** Tile resolution in µm per pixel (default: the model's training mpp, else 0.5). */
      mpp: z.number().positive().max(100).optional(),
      /** The cohort folder (created; one holding a cohort of the same slides goes on with it). */
      out: z.string().min(1).max(4096),
      maxParallel: z.number().int().min(1).max(16).default(2),
      /** Names the job in job.progress events (kind 'cohorts.run') and for cohorts.cancelRun; generated when absent. */
      jobId: z.string().min(1).max(100).optional(),
    }),
    z.object({ dir: z.string(), jobId: z.string(), slides: z.number().int(), todo: z.number().int() }),
    "Set a cohort up here (slides hashed, model prepared) and run its slides in the background (job.progress kind 'cohorts.run').",
  ),
  'cohorts.cancelRun': call(z.object({ jobId: z.string().min(1) }), z.object({ cancelled: z.boolean() }), 'Stop a local cohort run; slides finished are kept and a later run goes on.'),
} as const;

export type CohortEntry = z.output<typeof CohortEntry>;
export type CohortStatus = z.output<typeof CohortStatus>;
export type CollectSummary = z.output<typeof CollectSummary>;
