/** The deployed entry of the history function: reads the environment once (failing fast) and builds the handler. */
import { HistoryEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { historyDependencies } from './aws.js';
import { createHistoryHandler } from './history-handler.js';

const config = readConfig(HistoryEnvSchema, process.env, 'history function');
export const handler = createHistoryHandler(historyDependencies(config, { region: config.AWS_REGION }));
