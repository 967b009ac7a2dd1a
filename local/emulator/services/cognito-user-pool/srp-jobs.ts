/**
 * The CPU-heavy steps of Cognito's SRP (3072-bit modular exponentiations, tens of milliseconds each), as jobs that a
 * worker thread runs (srp-worker.ts) so that they never block the emulator's shared event loop. Messages carry
 * strings only (hex, base64), so they cross the thread boundary unchanged.
 */
import { createPasswordVerifier, createServerChallenge, passwordClaimSignature, passwordMatches, serverSessionKey, signaturesMatch } from './srp.js';

export type SrpJob =
  /** A new user's salt and verifier (SignUp, seeding). */
  | { kind: 'verifier'; poolName: string; username: string; password: string }
  /** USER_PASSWORD_AUTH: does the password give the stored verifier? */
  | { kind: 'password'; poolName: string; username: string; password: string; salt: string; verifier: string }
  /** USER_SRP_AUTH step 1: the server's secret b and public B for this verifier. */
  | { kind: 'challenge'; verifier: string }
  /** USER_SRP_AUTH step 2: does the client's PASSWORD_CLAIM_SIGNATURE prove the password? */
  | {
      kind: 'claim';
      A: string;
      b: string;
      B: string;
      verifier: string;
      poolName: string;
      userIdForSrp: string;
      secretBlock: string;
      timestamp: string;
      signature: string;
    };

export interface SrpResults {
  verifier: { salt: string; verifier: string };
  password: boolean;
  challenge: { b: string; B: string };
  claim: boolean;
}

export function runSrpJob<J extends SrpJob>(job: J): SrpResults[J['kind']];
export function runSrpJob(job: SrpJob): SrpResults[SrpJob['kind']] {
  switch (job.kind) {
    case 'verifier':
      return createPasswordVerifier(job.poolName, job.username, job.password);
    case 'password':
      return passwordMatches(job.poolName, job.username, job.password, { salt: job.salt, verifier: job.verifier });
    case 'challenge': {
      const { b, B } = createServerChallenge(job.verifier);
      return { b: b.toString(16), B: B.toString(16) };
    }
    case 'claim': {
      const challenge = { b: BigInt(`0x${job.b}`), B: BigInt(`0x${job.B}`) };
      let key: Buffer;
      try {
        key = serverSessionKey(BigInt(`0x${job.A}`), challenge, job.verifier);
      } catch {
        // u = 0 (a hostile A chosen against B): no key can be agreed, so no claim can match.
        return false;
      }
      const expected = passwordClaimSignature(key, job.poolName, job.userIdForSrp, Buffer.from(job.secretBlock, 'base64'), job.timestamp);
      return signaturesMatch(expected, job.signature);
    }
  }
}
