import { describe, expect, it } from 'vitest';
import { steadyRate, tilesSentToEngine } from '../../../bench/slide-rounds';

describe('bench/slide rounds', () => {
  it('counts a round whose engine classified every tissue tile', () => {
    expect(tilesSentToEngine({ tiles: 56, cancelled: false, tilesReused: 0, tilesEmbedded: 56, reused: false }, 56)).toBe(56);
  });

  it('refuses a round that took its tiles from stored embeddings or a stored analysis', () => {
    // the old bench's rounds 2 and 3: every tile from the slide's tile-embedding store
    expect(() => tilesSentToEngine({ tiles: 56, cancelled: false, tilesReused: 56, tilesEmbedded: 0 }, 56)).toThrow(/0 sent to it, 56 from stored embeddings, 56 tissue tiles/);
    expect(() => tilesSentToEngine({ tiles: 56, cancelled: false, tilesReused: 8, tilesEmbedded: 48 }, 56)).toThrow(/48 sent/);
    expect(() => tilesSentToEngine({ tiles: 0, cancelled: false, reused: true }, 56)).toThrow(/returned as stored/);
    expect(() => tilesSentToEngine({ tiles: 16, cancelled: true, tilesReused: 0, tilesEmbedded: 16 }, 56)).toThrow(/ended early/);
  });

  it('measures the steady rate and CPU per tile between the first and the last stored batch', () => {
    const cpu = (ms: number) => ({ user: ms * 1000, system: 0 });
    const r = steadyRate([
      { at: 1000, done: 8, cpu: cpu(500) },
      { at: 2000, done: 16, cpu: cpu(900) },
      { at: 3000, done: 24, cpu: cpu(1300) },
    ]);
    expect(r.tilesPerSecond).toBeCloseTo(8);
    expect(r.cpuMsPerTile).toBeCloseTo(50);
    expect(steadyRate([{ at: 1000, done: 8, cpu: cpu(0) }])).toEqual({ tilesPerSecond: 0, cpuMsPerTile: 0 });
  });
});
