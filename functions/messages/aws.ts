/** The messages function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { randomUUID } from 'node:crypto';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { MessagesEnv } from '../../core/contracts/function-env.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import { systemClock } from '../shared/ports.js';
import type { MessagesHandlerDependencies } from './handler.js';

export function messagesDependencies(config: MessagesEnv, aws: AwsClientOptions, logLevel?: LogLevel): MessagesHandlerDependencies {
  return {
    config,
    logger: createLogger('messages', logLevel),
    verifyToken: appTokenVerifierFromConfig(config),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: new IotDataPublisher(new IoTDataPlaneClient(aws)),
    clock: systemClock,
    newId: randomUUID,
  };
}
