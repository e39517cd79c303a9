#!/usr/bin/env node
// The `tessella` command: runs src/main/cli/main.ts through tsx, so a fresh clone needs no build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/main.ts');
const code = await main(process.argv.slice(2));
// Native readers may keep idle threads alive; once the output is flushed the command is done.
process.stdout.write('', () => process.exit(code));
