/** The web demo's runtime configuration, `/config.json`: written by the local stack and by `npm run deploy`. */
import * as v from 'valibot';

export const WebConfigSchema = v.object({
  mode: v.picklist(['local', 'aws']),
  /** API Gateway's $default stage URL may end with "/"; readers strip it. */
  apiUrl: v.string(),
  region: v.string(),
  iotEndpoint: v.string(),
  identityPoolId: v.string(),
  allowGuests: v.boolean(),
  topicPrefix: v.string(),
  userPoolId: v.optional(v.string()),
  userPoolClientId: v.optional(v.string()),
  /** Local mode: Amplify's `userPoolEndpoint` (the emulator's cognito-idp). */
  userPoolEndpoint: v.optional(v.string()),
  /** Local mode: where the SDK's sockets are re-routed, and Amplify's Cognito Identity endpoint. */
  emulatorMqttUrl: v.optional(v.string()),
  identityPoolEndpoint: v.optional(v.string()),
  /** Local mode: demo users of the local token issuer. */
  demoUsers: v.optional(v.array(v.object({ id: v.string(), name: v.string() }))),
  /** Local mode: the seeded Cognito users of the emulator's user pool, whose passwords the sign-in page shows. */
  demoCognitoUsers: v.optional(v.array(v.object({ username: v.string(), password: v.string() }))),
});
export type WebConfig = v.InferOutput<typeof WebConfigSchema>;
