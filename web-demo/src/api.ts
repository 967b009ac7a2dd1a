/** Calls to the backend's HTTP API, with the error messages a person understands. */
import type { AttachPolicyResponse, DevTokenResponse, ErrorBody, PostMessageResponse } from '../../core/contracts/http.js';
import type { JobAccepted, StartJobRequest } from '../../core/contracts/jobs.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError('the API cannot be reached; is the backend running?', 0);
  }
  const body = (await res.json().catch(() => ({}))) as T & Partial<ErrorBody>;
  if (!res.ok) {
    const prefix = res.status === 401 ? 'Not signed in' : res.status === 403 ? 'Not allowed' : res.status === 413 ? 'Too long' : `Error ${res.status}`;
    throw new ApiError(`${prefix}: ${body.message ?? 'the request failed'}`, res.status);
  }
  return body;
}

export const api = {
  demoToken: (apiUrl: string, sub: string) =>
    call<DevTokenResponse>(`${apiUrl}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) }),
  postMessage: (apiUrl: string, token: string, roomId: string, text: string) =>
    call<PostMessageResponse>(`${apiUrl}/rooms/${encodeURIComponent(roomId)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ text }),
    }),
  startJob: (apiUrl: string, token: string, job: StartJobRequest) =>
    call<JobAccepted>(`${apiUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(job),
    }),
  attachPolicy: (apiUrl: string, idToken: string) =>
    call<AttachPolicyResponse>(`${apiUrl}/iot/attach-policy`, { method: 'POST', headers: { authorization: `Bearer ${idToken}` } }),
};
