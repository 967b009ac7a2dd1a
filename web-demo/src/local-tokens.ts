/**
 * Local only: the sign-in screen's app tokens from the local stack's issuer. Kept apart from api.ts so the first load
 * carries none of the rooms contracts.
 */
import { DevTokenResponseSchema } from '../../core/contracts/http.js';
import { JSON_HEADERS, request } from './api-request.js';

/** Local only: an app JWT for any valid user id (POST /dev/token). */
export const demoToken = (apiUrl: string, sub: string) =>
  request(`${apiUrl}/dev/token`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ sub }) }, DevTokenResponseSchema);
