/**
 * Calls bench/openslide_deepzoom.py, OpenSlide's own DeepZoomGenerator, as the reference the
 * tile code is checked against. Needs the system python with python3-openslide; tests that
 * use it declare needs(has.pythonOpenSlide).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/shared-data.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(repoRoot, 'bench', 'openslide_deepzoom.py');

export interface PyGeometry {
  levelCount: number;
  levelDimensions: [number, number][];
  levelTiles: [number, number][];
  tileCount: number;
  dzi: string;
  levelDownsamples: number[];
  levelSizes: [number, number][];
  /** [level, col, row, l0x, l0y, slideLevel, readW, readH, tileW, tileH] */
  tiles: number[][];
}

export function runReference(args: string[]): unknown {
  const out = execFileSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return JSON.parse(out);
}

export function pyGeometry(args: string[]): PyGeometry {
  return runReference(['geometry', ...args]) as PyGeometry;
}
