/**
 * How the functions' AWS SDK clients are built. Deployed, the SDK finds region, credentials and endpoints (e.g.
 * AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets) in the Lambda environment; the local stack passes the emulator's
 * endpoint and the function role's credentials explicitly.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}
