/**
 * The user directory on DynamoDB (core/store/tables.ts USERS_TABLE, USER_KEYS):
 *   pk USER#<userId>          the profile
 *   pk USERNAME#<lowercase>   { userId }: who claimed the username first (Cognito users)
 *   pk EMAIL#<lowercase>      { userId }: who claimed the verified email first
 * Lookups read a claim, then the profile it names, and check that the profile still has that username or email (a
 * claim outlives a change of preferred_username, and must not then find the wrong person). GetItem and BatchGetItem
 * only: no Query or Scan, so the directory cannot be listed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { USER_KINDS } from '../../core/contracts/users.js';
import { isValidId } from '../../core/ids.js';
import { USER_KEYS } from '../../core/store/tables.js';
import { storeFailure } from '../shared/dynamo-room-store/errors.js';
import { batchGet, getItems } from '../shared/dynamo-room-store/queries.js';
import { UpstreamError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';
import { normalizeLookup, type RegisterOutcome, type UserDirectory, type UserProfile } from './directory.js';

const ProfileItemSchema = v.object({
  userId: v.string(),
  displayName: v.string(),
  kind: v.picklist(USER_KINDS),
  username: v.optional(v.string()),
  email: v.optional(v.string()),
});
const ClaimItemSchema = v.object({ userId: v.string() });

export class DynamoUserDirectory implements UserDirectory {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client);
  }

  async register(profile: UserProfile): Promise<RegisterOutcome> {
    const claim = async (pk: string): Promise<boolean> => {
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk, userId: profile.userId },
            // The first user keeps a username or email; this user's own claim is rewritten harmlessly.
            ConditionExpression: 'attribute_not_exists(pk) OR userId = :me',
            ExpressionAttributeValues: { ':me': profile.userId },
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw storeFailure('claim the username', error);
      }
    };
    const write = async () => {
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: USER_KEYS.profile(profile.userId), ...profile, updatedAt: this.clock.now().toISOString() },
          }),
        );
      } catch (error) {
        throw storeFailure('write the profile', error);
      }
    };
    const [, usernameClaimed, emailClaimed] = await Promise.all([
      write(),
      profile.username === undefined ? Promise.resolve(false) : claim(USER_KEYS.username(normalizeLookup(profile.username))),
      profile.email === undefined ? Promise.resolve(false) : claim(USER_KEYS.email(normalizeLookup(profile.email))),
    ]);
    return { usernameClaimed, emailClaimed };
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const [item] = await getItems(this.#doc, this.table, [{ pk: USER_KEYS.profile(userId) }], 'read the profile');
    return item === undefined ? undefined : parseProfile(item);
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
    if (userIds.length === 0) return new Map();
    const items = await batchGet(
      this.#doc,
      this.table,
      [...new Set(userIds)].map((userId) => ({ pk: USER_KEYS.profile(userId) })),
      'read the profiles',
    );
    return new Map(items.map((item) => parseProfile(item)).map((profile) => [profile.userId, profile]));
  }

  async findByUsername(username: string): Promise<UserProfile[]> {
    const normalized = normalizeLookup(username);
    // An app user's username is their user id; only a valid id can be one.
    const appUser = isValidId(username);
    const [claim, appProfile] = await getItems(
      this.#doc,
      this.table,
      [{ pk: USER_KEYS.username(normalized) }, ...(appUser ? [{ pk: USER_KEYS.profile(username) }] : [])],
      'look the username up',
    );
    const found: UserProfile[] = [];
    if (appProfile !== undefined) {
      const profile = parseProfile(appProfile);
      if (profile.kind === 'app') found.push(profile);
    }
    if (claim !== undefined) {
      const holder = await this.get(parseClaim(claim).userId);
      if (holder !== undefined && holder.kind === 'cognito' && holder.username !== undefined && normalizeLookup(holder.username) === normalized)
        found.push(holder);
    }
    return found;
  }

  async findByEmail(email: string): Promise<UserProfile | undefined> {
    const normalized = normalizeLookup(email);
    const [claim] = await getItems(this.#doc, this.table, [{ pk: USER_KEYS.email(normalized) }], 'look the email up');
    if (claim === undefined) return undefined;
    const holder = await this.get(parseClaim(claim).userId);
    return holder?.email !== undefined && normalizeLookup(holder.email) === normalized ? holder : undefined;
  }
}

/** Only this adapter writes the table: a malformed item is a defect, never the caller's fault. */
function parseProfile(item: Record<string, unknown>): UserProfile {
  const result = v.safeParse(ProfileItemSchema, item);
  if (!result.success) throw new UpstreamError('a user profile is malformed', false);
  const { userId, displayName, kind, username, email } = result.output;
  return { userId, displayName, kind, ...(username !== undefined ? { username } : {}), ...(email !== undefined ? { email } : {}) };
}

function parseClaim(item: Record<string, unknown>): { userId: string } {
  const result = v.safeParse(ClaimItemSchema, item);
  if (!result.success) throw new UpstreamError('a username or email claim is malformed', false);
  return result.output;
}
