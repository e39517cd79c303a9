/**
 * How a CLI command is declared. One file per noun in ./commands exports its commands;
 * main.ts parses argv against `options`, runs `run`, and prints the result (as exactly one
 * JSON document on stdout with --json, else through `human`).
 */
import type { AppContext } from '../app-context.js';

export type OptionType = 'string' | 'number' | 'boolean';

export interface OptionSpec {
  type: OptionType;
  /** May be given more than once; the value is then an array. */
  multiple?: boolean;
  description: string;
  default?: string | number | boolean;
}

export type ParsedOptions = Record<string, string | number | boolean | string[] | number[] | undefined>;

export interface CliIO {
  json: boolean;
  debug: boolean;
  /** A progress bar on stderr when it is a terminal (silent otherwise and with --json off-tty). */
  progress(label: string, total: number): { tick(done: number, note?: string): void; end(): void };
  /** Human-readable line on stderr (never stdout, which --json reserves for the result). */
  info(line: string): void;
}

export interface CliCommand {
  /** e.g. ['slide', 'info'] for `tessella slide info`. */
  path: string[];
  summary: string;
  /** Left out of `tessella --help` (internal commands other commands start, e.g. a cohort's Slurm task). */
  hidden?: boolean;
  /** Names of positional arguments, for usage text; `...` suffix = variadic. */
  positionals?: string[];
  options?: Record<string, OptionSpec>;
  run(args: { positionals: string[]; options: ParsedOptions; io: CliIO; app: () => Promise<AppContext> }): Promise<unknown>;
  /** Renders the result for a human; JSON.stringify when absent. */
  human?(result: any): string;
}

/** A user-facing CLI error: printed as one line, exit code `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
