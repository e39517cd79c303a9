import type { CliCommand } from '../command.js';
import { annotationCommands } from './annotations.js';
import { datasetCommands } from './dataset.js';
import { serveCommand } from './serve.js';
import { slideCommands } from './slide.js';

export const commands: CliCommand[] = [...slideCommands, ...datasetCommands, ...annotationCommands, serveCommand];
