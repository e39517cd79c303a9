/**
 * `tessella <noun> <verb> [args] [--options]`. With --json, stdout carries exactly one JSON
 * document; errors are one line on stderr with a non-zero exit code (--debug adds the stack).
 */
import { parseArgs } from 'node:util';
import { createAppContext, type AppContext } from '../app-context.js';
import { defaultHome, homeLayout } from '../home.js';
import { appVersion } from '../version.js';
import { CliError, type CliCommand, type CliIO, type OptionSpec, type ParsedOptions } from './command.js';
import { progressBar } from './progress.js';
import { oneLine, toDomainError } from '../errors.js';
import { commands } from './commands/index.js';
import { settleSessionRuns } from '../ml/onnx/session-host.js';

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print exactly one JSON document on stdout' },
  debug: { type: 'boolean', description: 'show stack traces on errors' },
  help: { type: 'boolean', description: 'show help' },
};

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  installLastResort(debug);
  let ctx: AppContext | undefined;
  let command: CliCommand | undefined;
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    if (argv[0] === '--version' || argv[0] === 'version') {
      process.stdout.write(json ? JSON.stringify({ version: appVersion() }) + '\n' : `tessella ${appVersion()}\n`);
      return 0;
    }
    const found = findCommand(argv);
    command = found.command;
    const { rest } = found;
    const optionSpecs = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
    const { values, positionals } = parseOptions(command, optionSpecs, rest);
    if (values.help) {
      process.stdout.write(commandUsage(command));
      return 0;
    }
    const io: CliIO = {
      json,
      debug,
      progress: (label, total) => progressBar(label, total),
      info: (line) => process.stderr.write(line + '\n'),
    };
    const app = async () => (ctx ??= createAppContext({ host: 'cli' }));
    const result = await command.run({ positionals, options: values, io, app });
    if (result !== undefined) {
      const text = json ? JSON.stringify(result) : command.human ? command.human(result) : JSON.stringify(result, null, 2);
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return 0;
  } catch (e) {
    process.stderr.write(`tessella: ${errorLine(e, command, ctx)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return e instanceof CliError ? e.exitCode : 1;
  } finally {
    // a failure may leave a batch computing in an onnxruntime worker: exiting under it would crash
    await settleSessionRuns();
    ctx?.close();
  }
}

/** Any failure as the one line the user sees: schema paths named as the command's options, the disk named when full. */
function errorLine(e: unknown, command: CliCommand | undefined, ctx: AppContext | undefined): string {
  if (e instanceof CliError) return oneLine(e.message);
  const options = command?.options ?? {};
  const field = (path: readonly PropertyKey[]) => {
    const flag = String(path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return path.length === 1 && flag in options ? `--${flag}` : path.map(String).join('.');
  };
  return oneLine(toDomainError(e, { database: (ctx?.home ?? homeLayout(defaultHome())).db, field }).message);
}

let lastResortInstalled = false;

/**
 * A rejection or exception nobody caught (a callback of a native module, a stray timer) ends the
 * command like any other error: one line, exit 1; the stack only with --debug.
 */
function installLastResort(debug: boolean): void {
  if (lastResortInstalled) return;
  lastResortInstalled = true;
  const die = (e: unknown) => {
    process.stderr.write(`tessella: ${errorLine(e, undefined, undefined)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    void settleSessionRuns().finally(() => process.exit(1));
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}

function findCommand(argv: string[]): { command: CliCommand; rest: string[] } {
  const words = argv.filter((a) => !a.startsWith('-'));
  let best: CliCommand | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (!best) {
    const noun = words[0];
    const nounCommands = commands.filter((c) => c.path[0] === noun && !c.hidden);
    if (nounCommands.length) {
      throw new CliError(`unknown command "${words.slice(0, 2).join(' ')}"; try: ${nounCommands.map((c) => `tessella ${c.path.join(' ')}`).join(', ')}`, 2);
    }
    throw new CliError(`unknown command "${noun ?? argv[0]}"; run \`tessella --help\` for the list`, 2);
  }
  // Drop the command words (first occurrences, in order) and keep everything else.
  const rest = [...argv];
  for (const w of best.path) rest.splice(rest.indexOf(w), 1);
  return { command: best, rest };
}

function parseOptions(command: CliCommand, specs: Record<string, OptionSpec>, rest: string[]): { values: ParsedOptions; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeNumbers(specs, rest),
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, { type: s.type === 'boolean' ? 'boolean' : 'string', multiple: s.multiple ?? false }])),
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message.split('\n')[0]} (see \`tessella ${command.path.join(' ')} --help\`)`, 2);
  }
  const values: ParsedOptions = {};
  for (const [k, spec] of Object.entries(specs)) {
    const v = (parsed.values as Record<string, unknown>)[k] ?? spec.default;
    if (v === undefined) continue;
    if (spec.type === 'number') {
      const toNum = (x: unknown) => {
        const n = Number(x);
        if (!Number.isFinite(n)) throw new CliError(`--${k} needs a number, got "${x}"`, 2);
        return n;
      };
      values[k] = Array.isArray(v) ? v.map(toNum) : toNum(v);
    } else values[k] = v as ParsedOptions[string];
  }
  return { values, positionals: parsed.positionals };
}

/**
 * parseArgs takes `-1` after `--x` for an option of its own and refuses it as ambiguous; a
 * number option followed by a negative number gets it as its value (`--x=-1`), so the
 * command's own range check can say what is wrong with it.
 */
function joinNegativeNumbers(specs: Record<string, OptionSpec>, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && specs[a.slice(2)]?.type === 'number' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function commandUsage(c: CliCommand): string {
  const opts = Object.entries(c.options ?? {})
    .map(([k, s]) => `  --${k}${s.type === 'boolean' ? '' : ` <${s.type}>`}  ${s.description}${s.default !== undefined ? ` (default ${s.default})` : ''}`)
    .join('\n');
  return `tessella ${c.path.join(' ')} ${(c.positionals ?? []).map((p) => `<${p}>`).join(' ')}\n\n${c.summary}\n\n${opts ? `Options:\n${opts}\n` : ''}  --json  print one JSON document on stdout\n  --debug  show stack traces\n`;
}

function usage(): string {
  const lines = commands.filter((c) => !c.hidden).map((c) => `  tessella ${[...c.path, ...(c.positionals ?? []).map((p) => `<${p}>`)].join(' ').padEnd(44)} ${c.summary}`);
  return `Tessella ${appVersion()}: histology slide viewer and classifier\n\nUsage:\n${lines.join('\n')}\n\nEvery command takes --json (machine output) and --debug. Data home: $TESSELLA_HOME or the platform's app-data folder.\n`;
}
