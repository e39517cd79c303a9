import type { z } from 'zod';

/** Declares one call of the contract: its input and output schemas and what it does. */
export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}
