/**
 * One entry point for every host: validate the input against the contract's schema, run the
 * handler, and turn failures into the contract's error shape with a code the UI can act on.
 * The HTTP status of each domain error kind is decided here and nowhere else.
 */
import { calls, type ApiErrorBody, type CallName, type Handlers } from '../shared/api.js';
import { describeZodIssues, DomainError, type ErrorKind, oneLine, toDomainError } from './errors.js';

/** A domain error as a host sends it: the message, the UI's code and an HTTP status. */
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

export const HTTP_STATUS: Record<ErrorKind, number> = {
  'invalid-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unsupported: 415,
  corrupt: 422,
  cancelled: 499,
  internal: 500,
  unavailable: 503,
  'no-space': 507,
};

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

export async function dispatch(handlers: Handlers, name: string, input: unknown): Promise<unknown> {
  if (!isCallName(name)) throw new DomainError('not-found', `unknown call "${name}"`, 'unknown-call');
  const parsed = calls[name].input.safeParse(input ?? {});
  if (!parsed.success) throw new DomainError('invalid-input', `invalid input for ${name}: ${describeZodIssues(parsed.error.issues)}`);
  return await (handlers[name] as (i: unknown) => Promise<unknown>)(parsed.data);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const d = toDomainError(e);
  return new ApiError(oneLine(d.message), d.code, HTTP_STATUS[d.kind]);
}
