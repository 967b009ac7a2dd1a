/**
 * What a CDK Terrain (or terraform-cdk) app of yours imports to add the realtime backend to its own stack:
 *
 *   import { Realtime, infraConfigFromEnv } from '<this repository>/infra/index.js';
 *   const realtime = new Realtime(stack, 'realtime', config);
 *   realtime.grantNotify(myRole);
 *
 * (infra/constructs/realtime.ts says what the construct creates; npm run build:functions bundles the functions it
 * deploys into `config.functionsDir`.)
 */
export type { PublishFamily } from '../core/access/service-policies.js';
export { type InfraConfig, InfraConfigError, infraConfigFromEnv } from './config.js';
export { Notifications } from './constructs/notifications.js';
export { Realtime, type RealtimeProps } from './constructs/realtime.js';
export { RealtimeStack } from './stack.js';
