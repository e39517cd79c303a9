/**
 * The one contract between Tessella's Node side and its front doors (Electron IPC + preload,
 * browser mode over HTTP, the CLI). Every call and event is declared here with zod schemas;
 * hosts validate inputs against them and the TypeScript types are inferred from them.
 */
import { z } from 'zod';
import { call } from './contract/define.js';
import { datasetCalls } from './contract/datasets.js';
import { annotationCalls } from './contract/annotations.js';
import { trainingCalls, TrainingProgress } from './contract/training.js';
import { GroupProgress, runGroupCalls } from './contract/run-groups.js';
import { analysisCalls, AnalysisProgress } from './contract/analysis.js';
import { EngineSettings, EngineSettingsPatch, modelCalls, PullProgress } from './contract/models.js';
import { reportCalls, ReportProgress } from './contract/reports.js';
import { cohortCalls } from './contract/cohorts.js';

// ---------- domain schemas ----------

export const SlideLevel = z.object({
  width: z.number().int(),
  height: z.number().int(),
  downsample: z.number(),
});

export const Mpp = z.object({ x: z.number(), y: z.number() }).nullable();

/** Where a slide's pixel size comes from: the file's own metadata, or a value the user typed in (which wins). */
export const MppSource = z.enum(['file', 'user']);
/** Brightfield: stain absorbing light on bright glass (H&E, IHC). Fluorescence: emitted light on a dark background. */
export const ImageType = z.enum(['brightfield', 'fluorescence']);

/** Where a channel is in the slide's displayed (RGB) tiles: one colour component, or all three alike (a greyscale image). */
export const ChannelSample = z.enum(['red', 'green', 'blue', 'grey']);

/** Bits per sample of a channel with tiles of its own: 16-bit channels are served losslessly, packed in two bytes (resourcePaths.channelTile). */
export const ChannelBits = z.union([z.literal(8), z.literal(16)]);

/**
 * One channel of a slide as the file (or its pixels) describes it; color is "#rrggbb". `sample`
 * says where the tiles carry it; absent for a channel the tiles do not show (a QPTIFF's channels
 * after the first). `bits` is set on channels with tiles of their own (absent on slides an older
 * version decided: their tiles are 8-bit).
 */
export const SlideChannel = z.object({
  name: z.string(),
  color: z.string().regex(/^#[0-9a-f]{6}$/),
  sample: ChannelSample.optional(),
  bits: ChannelBits.optional(),
});

export const SlideSummary = z.object({
  id: z.number().int(),
  path: z.string(),
  name: z.string(),
  format: z.string(),
  vendor: z.string().nullable(),
  reader: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  levelCount: z.number().int(),
  mpp: Mpp,
  /** Null when the slide has no pixel size at all. */
  mppSource: MppSource.nullable(),
  objectivePower: z.number().nullable(),
  fileSize: z.number(),
  addedAt: z.string(),
  /** False when the file has gone since it was added. */
  available: z.boolean(),
  /** Decided from the file's metadata and pixels when added; null for a slide added by an older version until it is opened again. */
  imageType: ImageType.nullable(),
  /** Fluorescence: one entry per channel (QPTIFF: every channel page). Brightfield RGB: red, green, blue; greyscale: none. */
  channels: z.array(SlideChannel),
});

export const DeepZoomInfo = z.object({
  width: z.number().int(),
  height: z.number().int(),
  tileSize: z.number().int(),
  overlap: z.number().int(),
  format: z.enum(['jpeg', 'png']),
  levelCount: z.number().int(),
});

export const SlideDetail = SlideSummary.extend({
  levels: z.array(SlideLevel),
  properties: z.record(z.string(), z.string()),
  associatedImages: z.array(z.string()),
  deepZoom: DeepZoomInfo,
  contentHash: z.string(),
  /**
   * Each channel has grey tiles of its own (resourcePaths.channelTile, channel = index in
   * `channels`, at the channel's `bits`) that the viewer colours and mixes: a fluorescence
   * QPTIFF or multi-channel OME-TIFF, a page per channel.
   */
  channelTiles: z.boolean(),
});

export const ReaderStatus = z.object({
  name: z.string(),
  available: z.boolean(),
  detail: z.string(),
});

export const Settings = z.object({
  theme: z.enum(['light', 'dark', 'system']),
  /** Label and macro images can carry patient names; hidden unless the user opts in. */
  hideLabelImages: z.boolean(),
  tileQuality: z.number().int().min(10).max(100),
  /** The onnxruntime provider pin (`engine.provider`) and the precision analyses started from the UI use. */
  engine: EngineSettings,
});

/** What settings.set takes: any settings, and any part of `engine`. */
export const SettingsPatch = Settings.extend({ engine: EngineSettingsPatch }).partial();

export const AppInfo = z.object({
  version: z.string(),
  home: z.string(),
  host: z.enum(['electron', 'browser', 'cli']),
  platform: z.string(),
  readers: z.array(ReaderStatus),
  supportedFormats: z.string(),
  /** Sample slides shipped in resources/sample/ (none by default), offered by the empty library. */
  sampleSlides: z.array(z.object({ name: z.string(), path: z.string() })),
});

/** A path slides.add could not register; `kind` is the domain error kind (too-large, corrupt, unsupported...). */
export const AddError = z.object({ path: z.string(), message: z.string(), kind: z.string().optional() });

export const FsEntry = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['dir', 'file']),
  size: z.number().optional(),
  /** True for files whose extension a reader may open. */
  slideLike: z.boolean(),
});

const SlideId = z.object({ id: z.number().int().positive() });

// ---------- calls ----------

export const calls = {
  'app.info': call(z.object({}), AppInfo, 'Version, data home, host and which slide readers work here.'),
  'settings.get': call(z.object({}), Settings, 'Current user settings.'),
  'settings.set': call(SettingsPatch, Settings, 'Change some settings; returns them all.'),
  'slides.list': call(z.object({}), z.array(SlideSummary), 'Every slide in the library, newest first.'),
  'slides.add': call(
    z.object({
      paths: z.array(z.string().min(1)).min(1).max(10_000),
      /** 'ask' (default): a folder scan holds back more than a few plain images (a patch set?) and reports them in heldImages; 'add' adds them. */
      plainImages: z.enum(['ask', 'add']).default('ask'),
    }),
    z.object({
      added: z.array(SlideSummary),
      existing: z.array(SlideSummary),
      errors: z.array(AddError),
      /** Files a folder scan passed over, with why (not a slide format, too deep). */
      skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
      /** Folders whose plain images were held back, and how many. */
      heldImages: z.array(z.object({ folder: z.string(), count: z.number().int() })),
    }),
    'Add slide files, or folders scanned recursively for slide files.',
  ),
  'slides.get': call(SlideId, SlideDetail, 'One slide with levels, all properties and its DeepZoom geometry.'),
  'slides.remove': call(SlideId, z.object({ removed: z.boolean() }), 'Remove a slide from the library (the file stays).'),
  'slides.setMpp': call(
    z.object({ id: z.number().int().positive(), mpp: z.number().min(0.01).max(100).nullable() }),
    SlideSummary,
    "Set a slide's µm per pixel by hand (marked as the user's; it wins over the file's), or with null go back to the file's.",
  ),
  'fs.list': call(
    z.object({ dir: z.string().optional() }),
    z.object({ dir: z.string(), parent: z.string().nullable(), entries: z.array(FsEntry) }),
    'List a folder so a browser-mode user can pick slides (home folder by default).',
  ),
  ...datasetCalls,
  ...annotationCalls,
  ...trainingCalls,
  ...runGroupCalls,
  ...analysisCalls,
  ...modelCalls,
  ...reportCalls,
  ...cohortCalls,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;
export const callNames = Object.keys(calls) as CallName[];

// ---------- events ----------

export const JobProgress = z.object({
  jobId: z.string(),
  kind: z.string(),
  done: z.number(),
  total: z.number(),
  message: z.string().optional(),
  state: z.enum(['running', 'completed', 'failed', 'cancelled']),
});

export const events = {
  'slides.changed': z.object({}),
  'job.progress': JobProgress,
  'training.progress': TrainingProgress,
  /** A cross-validation or sweep started by training.startGroup: which fold of how many, then how it ended. */
  'training.groupProgress': GroupProgress,
  'analysis.progress': AnalysisProgress,
  'reports.progress': ReportProgress,
  /** A pull from the Hugging Face Hub (models.pull): bytes so far, then the registered model or the error. */
  'models.pullProgress': PullProgress,
  /** The list of reports changed (one added, finished or removed). */
  'reports.changed': z.object({}),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;
export const eventNames = Object.keys(events) as EventName[];

// ---------- types shared by every host ----------

export type SlideSummary = z.output<typeof SlideSummary>;
export type SlideDetail = z.output<typeof SlideDetail>;
export type MppSource = z.output<typeof MppSource>;
export type ImageType = z.output<typeof ImageType>;
export type SlideChannel = z.output<typeof SlideChannel>;
export type ChannelSample = z.output<typeof ChannelSample>;
export type Settings = z.output<typeof Settings>;
export type SettingsPatch = z.input<typeof SettingsPatch>;
export type AppInfo = z.output<typeof AppInfo>;
export type FsEntry = z.output<typeof FsEntry>;

/** Handlers for a group of calls: one async function per call, typed from its schemas. */
export type HandlersFor<C extends Record<string, { input: z.ZodType; output: z.ZodType }>> = {
  [K in keyof C]: (input: z.output<C[K]['input']>) => Promise<z.output<C[K]['output']>>;
};

/** What every host implements: one async function per call. */
export type Handlers = HandlersFor<Calls>;

/** What the renderer (and tests) see, whichever host is behind it. */
export interface TessellaApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}

/** Errors cross the contract as this shape; `code` lets the UI choose how to show them. */
export const ApiErrorBody = z.object({ error: z.string(), code: z.string() });
export type ApiErrorBody = z.output<typeof ApiErrorBody>;

export { resourcePaths, parseResourcePath } from './resources.js';
