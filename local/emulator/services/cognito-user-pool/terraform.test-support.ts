/** The user pool and client as infra synthesizes them, for tests of the Terraform mapping and of the pool it gives. */
import { AwsProvider } from '@cdktn/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktn';
import { UserPool } from '../../../../infra/constructs/identity.js';

/** The arguments of the synthesized aws_cognito_user_pool and aws_cognito_user_pool_client, as in cdk.tf.json. */
export function synthesizedUserPool(): { pool: Record<string, unknown>; client: Record<string, unknown> } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'pool-test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new UserPool(stack, 'users', { namePrefix: 'iot-realtime-test', region: 'eu-west-1', deletionProtection: true });
  const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Record<string, unknown>>> };
  const only = (type: string) => {
    const resources = Object.values(json.resource[type] ?? {});
    if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
    return resources[0]!;
  };
  return { pool: only('aws_cognito_user_pool'), client: only('aws_cognito_user_pool_client') };
}
