/**
 * The local overlay: what only the local stack adds to the applied stack, and nothing else.
 * - The app token issuer (local/api/token-issuer.ts), standing in for the app's own identity provider: the stack names
 *   it by a stable URL (LOCAL_TOKEN_ISSUER) and the emulator maps that host to the local API, which serves its JWKS.
 * - Local-only routes on the API's port: the issuer's JWKS, `POST /dev/token` and `POST /dev/cognito-token`.
 * - Demo data: the demo users' rooms and profiles, the seeded Cognito users, and a presence table emptied at start (no MQTT
 *   connection survives a restart of the broker, so neither do the connections the last run recorded).
 */
import { BatchWriteItemCommand, DynamoDBClient, paginateScan, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { WebConfig } from '../core/contracts/web-config.js';
import { MEMBERSHIPS_TABLE, MESSAGES_TABLE, PRESENCE_TABLE, tableName, USERS_TABLE } from '../core/store/tables.js';
import { DynamoRoomStore } from '../functions/shared/dynamo-room-store.js';
import { systemClock } from '../functions/shared/ports.js';
import { DynamoUserDirectory } from '../functions/users/dynamo-user-directory.js';
import { serveDevRoute } from './api/dev-routes.js';
import { createLocalTokenIssuer, DEMO_USERS, type LocalTokenIssuer } from './api/token-issuer.js';
import type { AppliedStack } from './deploy/apply.js';
import type { RunningEmulator } from './emulator/emulator.js';
import { DEMO_COGNITO_USERS, seedDemoCognitoUsers } from './emulator/services/cognito-user-pool/seed.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT, LOCAL_TOKEN_AUDIENCE, LOCAL_TOKEN_ISSUER } from './local-deployment.js';
import { seedDemoProfiles, seedDemoRooms } from './seed.js';

export interface LocalOverlay {
  issuers: { app: LocalTokenIssuer };
  /** The web config's local-only fields: the demo users the sign-in page offers. */
  webConfig: Pick<WebConfig, 'demoUsers' | 'demoCognitoUsers'>;
  close(): void;
}

export async function applyLocalOverlay(input: {
  emulator: RunningEmulator;
  applied: AppliedStack;
  /** The local store itself (dynalite), for seeding without going through IAM. */
  storeUrl: string;
  keyFile: string | undefined;
}): Promise<LocalOverlay> {
  const { emulator, applied } = input;
  const app = await createLocalTokenIssuer(LOCAL_TOKEN_ISSUER, LOCAL_TOKEN_AUDIENCE, input.keyFile ? { keyFile: input.keyFile } : {});
  const userPoolId = String(applied.outputs.user_pool_id);
  const clientId = String(applied.outputs.user_pool_client_id);
  const userPool = emulator.userPools.pool(userPoolId);
  if (!userPool) throw new Error(`the applied stack's user pool ${userPoolId} is not in the emulator`);
  emulator.httpApi!.setLocalRoutes((method, path, body, _req, res) =>
    serveDevRoute(method, path, body, res, {
      app,
      cognitoSignIn: async (username) => {
        const result = await userPool.devSignIn(clientId, username);
        return { token: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken ?? '' };
      },
    }),
  );

  const admin = new DynamoDBClient({ region: LOCAL_DEPLOYMENT.region, endpoint: input.storeUrl, credentials: LOCAL_ADMIN_CREDENTIALS });
  await clearTable(admin, tableName(LOCAL_DEPLOYMENT, PRESENCE_TABLE), PRESENCE_TABLE.partitionKey.name);
  await seedDemoRooms(
    new DynamoRoomStore(admin, {
      membershipsTable: tableName(LOCAL_DEPLOYMENT, MEMBERSHIPS_TABLE),
      messagesTable: tableName(LOCAL_DEPLOYMENT, MESSAGES_TABLE),
    }),
  );
  // The demo's app users can be invited by name before they first sign in.
  await seedDemoProfiles(new DynamoUserDirectory(admin, tableName(LOCAL_DEPLOYMENT, USERS_TABLE), systemClock));
  seedDemoCognitoUsers(emulator.userPools, userPoolId);
  return {
    issuers: { app },
    webConfig: {
      demoUsers: Object.entries(DEMO_USERS).map(([id, u]) => ({ id, name: u.name })),
      demoCognitoUsers: DEMO_COGNITO_USERS.map(({ username, password }) => ({ username, password })),
    },
    close: () => admin.destroy(),
  };
}

/** Deletes every item of a table with a partition key only (DynamoDB: BatchWriteItem takes at most 25 requests). */
async function clearTable(client: DynamoDBClient, table: string, key: string): Promise<void> {
  for await (const page of paginateScan({ client }, { TableName: table, ProjectionExpression: '#key', ExpressionAttributeNames: { '#key': key } })) {
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, WriteRequest[]> = { [table]: items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { [key]: item[key]! } } })) };
      while (Object.keys(pending).length > 0) pending = (await client.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems ?? {};
    }
  }
}
