import * as m001 from './001-initial.js';
import * as m002 from './002-datasets.js';
import * as m004 from './004-analysis.js';
import * as m005 from './005-training.js';
import * as m006 from './006-image-predictions.js';
import * as m007 from './007-reports.js';
import * as m008 from './008-label-edits.js';
import * as m009 from './009-model-source.js';
import * as m010 from './010-run-progress.js';
import * as m011 from './011-image-type.js';
import * as m012 from './012-run-groups.js';
import * as m013 from './013-run-group-status.js';

/** Numbered migrations, applied in order at start; never edit one that has shipped, add the next. */
export const migrations: { version: number; name: string; up: string }[] = [
  { version: 1, name: 'initial', up: m001.up },
  { version: 2, name: 'datasets', up: m002.up },
  { version: 4, name: 'analysis', up: m004.up },
  { version: 5, name: 'training', up: m005.up },
  { version: 6, name: 'image-predictions', up: m006.up },
  { version: 7, name: 'reports', up: m007.up },
  { version: 8, name: 'label-edits', up: m008.up },
  { version: 9, name: 'model-source', up: m009.up },
  { version: 10, name: 'run-progress', up: m010.up },
  { version: 11, name: 'image-type', up: m011.up },
  { version: 12, name: 'run-groups', up: m012.up },
  { version: 13, name: 'run-group-status', up: m013.up },
];
