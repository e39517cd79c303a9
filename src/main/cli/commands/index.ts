import type { CliCommand } from '../command.js';
import { annotationCommands } from './annotations.js';
import { analysisCommands } from './analysis.js';
import { cohortCommands } from './cohort.js';
import { datasetCommands } from './dataset.js';
import { inferCommands } from './infer.js';
import { hubCommands } from './model-hub.js';
import { mlCommands } from './predict.js';
import { reportCommands } from './report.js';
import { serveCommand } from './serve.js';
import { slideCommands } from './slide.js';
import { trainCommands } from './train.js';

export const commands: CliCommand[] = [...slideCommands, ...datasetCommands, ...annotationCommands, ...inferCommands, ...mlCommands, ...hubCommands, ...trainCommands, ...reportCommands, ...cohortCommands, ...analysisCommands, serveCommand];
