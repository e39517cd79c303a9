import * as m001 from './001-initial.js';
import * as m002 from './002-datasets.js';

/** Numbered migrations, applied in order at start; never edit one that has shipped, add the next. */
export const migrations: { version: number; name: string; up: string }[] = [
  { version: 1, name: 'initial', up: m001.up },
  { version: 2, name: 'datasets', up: m002.up },
];
