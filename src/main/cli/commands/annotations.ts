import type { CliCommand } from '../command.js';

export const annotationCommands: CliCommand[] = [];
