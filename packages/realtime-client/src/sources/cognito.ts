/**
 * Credentials for Cognito identities (guests and signed-in users) from Amplify's `fetchAuthSession`, injected so that
 * this package does not depend on aws-amplify: pass `fetchAuthSession` from 'aws-amplify/auth', after
 * `Amplify.configure`. Amplify caches credentials for about 50 minutes and refreshes lazily; every fetch after the
 * first asks with forceRefresh, because RefreshingCredentials fetches only when a refresh is due.
 */
import type { CredentialSource, RealtimeCredentials } from '../types.js';

/** The part of Amplify's AuthSession this source reads. */
export interface CognitoAuthSession {
  identityId?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
}

export type FetchAuthSession = (options: { forceRefresh: boolean }) => Promise<CognitoAuthSession>;

export class CognitoCredentialSource implements CredentialSource {
  /** The Cognito identity id (`region:uuid`), set by the first successful fetch. */
  identityId: string | undefined;
  #first = true;

  constructor(
    private readonly region: string,
    private readonly fetchAuthSession: FetchAuthSession,
  ) {}

  async fetch(): Promise<RealtimeCredentials> {
    let session: CognitoAuthSession;
    try {
      session = await this.fetchAuthSession({ forceRefresh: !this.#first });
    } catch (error) {
      // Cognito refused the login itself (revoked or expired refresh token): asking again cannot succeed.
      if (error instanceof Error && error.name === 'NotAuthorizedException')
        throw Object.assign(new Error(`Cognito refused this sign-in: ${error.message}`, { cause: error }), { permanent: true });
      throw error;
    }
    this.#first = false;
    const c = session.credentials;
    if (!c?.sessionToken || !c.expiration || !session.identityId) throw new Error('Cognito returned no credentials for this identity');
    this.identityId = session.identityId;
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration, region: this.region };
  }
}
