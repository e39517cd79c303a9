import { describe, expect, it } from 'vitest';
import { callNames, calls, parseResourcePath, resourcePaths } from '../../../src/shared/api.js';
import { dispatch, toApiError } from '../../../src/main/dispatch.js';
import { DomainError } from '../../../src/main/errors.js';
import type { Handlers } from '../../../src/shared/api.js';

describe('the contract', () => {
  it('declares an input schema, an output schema and a description for every call', () => {
    expect(callNames.length).toBeGreaterThan(5);
    for (const name of callNames) {
      expect(calls[name].input, name).toBeDefined();
      expect(calls[name].output, name).toBeDefined();
      expect(calls[name].doc.length, name).toBeGreaterThan(10);
    }
  });

  it('round-trips resource paths and rejects anything else', () => {
    expect(parseResourcePath(resourcePaths.tile(3, 12, 4, 5))).toEqual({ kind: 'tile', slideId: 3, level: 12, col: 4, row: 5 });
    expect(parseResourcePath(resourcePaths.thumbnail(7))).toEqual({ kind: 'thumbnail', slideId: 7 });
    expect(parseResourcePath(resourcePaths.associated(7, 'macro'))).toEqual({ kind: 'associated', slideId: 7, name: 'macro' });
    for (const bad of ['tiles/1/0/0_0.png', 'tiles/1/0/../0_0.jpeg', '../etc/passwd', 'tiles/-1/0/0_0.jpeg', 'associated/1/..%2F..%2Fx.jpeg', 'thumbnail/1.jpeg/x', '']) {
      expect(parseResourcePath(bad), bad).toBeNull();
    }
  });

  it('dispatch validates inputs before any handler runs', async () => {
    let ran = false;
    const handlers = { 'slides.get': async () => ((ran = true), null) } as unknown as Handlers;
    await expect(dispatch(handlers, 'slides.get', { id: -1 })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(dispatch(handlers, 'slides.get', { id: 1, extra: 'x' })).resolves.toBeNull();
    expect(ran).toBe(true);
    const unknown = await dispatch(handlers, 'nope', {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(DomainError);
    // The host decides the status from the kind: rewording the message cannot change it.
    expect(toApiError(unknown)).toMatchObject({ code: 'unknown-call', status: 404 });
  });
});
