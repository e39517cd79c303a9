import type { CliCommand } from '../command.js';

export const datasetCommands: CliCommand[] = [];
