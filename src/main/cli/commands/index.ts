import type { CliCommand } from '../command.js';
import { serveCommand } from './serve.js';
import { slideCommands } from './slide.js';

export const commands: CliCommand[] = [...slideCommands, serveCommand];
