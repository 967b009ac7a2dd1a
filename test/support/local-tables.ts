/** A local DynamoDB (dynalite behind the store's front) with every table of a deployment, for store tests. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Deployment } from '../../core/deployment.js';
import { TABLES } from '../../core/store/tables.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from '../../local/store/dynalite.js';

/** Starts the store, creates the deployment's tables and returns it with a client (one attempt: failures show at once). */
export async function startLocalTables(deployment: Pick<Deployment, 'app' | 'stage'>): Promise<{ dynamo: RunningLocalDynamoDb; client: DynamoDBClient }> {
  const dynamo = await startLocalDynamoDb();
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  await createTables(client, deployment, TABLES);
  return { dynamo, client };
}
