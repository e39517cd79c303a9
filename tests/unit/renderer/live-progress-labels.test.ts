/**
 * The second progress bar of a live run (one pass over the images) is labelled with what it
 * counts, from the trainer's own progress messages, so two bars are never shown unexplained.
 */
import { describe, expect, it } from 'vitest';
import { messageFraction, subTaskLabel } from '../../../src/renderer/src/training/liveProgress.js';

describe('subTaskLabel', () => {
  it('names the image pass of each trainer message that carries a count', () => {
    // the messages as src/main/train/trainer.ts and head-trainer.ts send them
    expect(subTaskLabel('preparing', 'reading images 12/90')).toBe('Images read: 12 / 90 images');
    expect(subTaskLabel('features', 'features 30/90')).toBe('Backbone features: 30 / 90 images');
    expect(subTaskLabel('preparing', 'embeddings 5/63')).toBe('Backbone features: 5 / 63 images');
    expect(messageFraction('features 30/90')).toBeCloseTo(1 / 3, 12);
  });

  it('gives no label where there is no second bar', () => {
    expect(subTaskLabel('preparing', 'reading 90 images')).toBeNull();
    expect(subTaskLabel('training', undefined)).toBeNull();
  });
});
