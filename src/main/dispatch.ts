/**
 * One entry point for every host: validate the input against the contract's schema, run the
 * handler, and turn failures into the contract's error shape with a code the UI can act on.
 */
import { z } from 'zod';
import { calls, type ApiErrorBody, type CallName, type Handlers } from '../shared/api.js';
import { SlideError } from './slides/reader.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toBody(): ApiErrorBody {
    return { error: this.message, code: this.code };
  }
}

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

export async function dispatch(handlers: Handlers, name: string, input: unknown): Promise<unknown> {
  if (!isCallName(name)) throw new ApiError(`unknown call "${name}"`, 'unknown-call', 404);
  const parsed = calls[name].input.safeParse(input ?? {});
  if (!parsed.success) throw new ApiError(`invalid input for ${name}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, 'invalid-input', 400);
  try {
    return await (handlers[name] as (i: unknown) => Promise<unknown>)(parsed.data);
  } catch (e) {
    throw toApiError(e);
  }
}

const SLIDE_STATUS: Record<SlideError['code'], number> = {
  unsupported: 415,
  corrupt: 422,
  'not-found': 404,
  'too-large': 413,
  unavailable: 503,
  'bad-request': 400,
};

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof SlideError) return new ApiError(e.message, e.code, SLIDE_STATUS[e.code]);
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new ApiError(`no such file or folder: ${err.path ?? ''}`, 'not-found', 404);
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new ApiError(`permission denied: ${err.path ?? ''}`, 'forbidden', 403);
  if (err?.code === 'ENOTDIR') return new ApiError(`not a folder: ${err.path ?? ''}`, 'bad-request', 400);
  return new ApiError(err instanceof Error ? err.message : String(e), 'internal', 500);
}
