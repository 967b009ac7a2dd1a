/** The deployed entry: reads the environment once (failing fast, naming every bad variable) and builds the handler. */
import { RoomsEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { roomsDependencies } from './aws.js';
import { createRoomsHandler } from './handler.js';

const config = readConfig(RoomsEnvSchema, process.env, 'rooms function');
export const handler = createRoomsHandler(roomsDependencies(config, { region: config.AWS_REGION }));
