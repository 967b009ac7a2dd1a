/**
 * One request to the backend's HTTP API: refusals become an ApiError whose message a person understands (the API's
 * own explanation included), and answers are checked against their contract before anyone reads them.
 */
import * as v from 'valibot';
import { ErrorBodySchema } from '../../core/contracts/http.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** The HTTP status; 0 when the API could not be reached or answered something unreadable. */
    readonly status: number,
    /**
     * The API's machine-readable `error` (`forbidden`, `conflict`, ...), when it sent one; or, with status 0, why
     * there was no answer: `timeout` (no answer in time: it may have been done), `offline` (this device has no
     * network: nothing was sent), `unreachable` (online, but the API could not be reached).
     */
    readonly code?: string,
    /** A 429's Retry-After, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** What a person should read for a refusal: what happened in words, then the API's own explanation. */
export function explainStatus(status: number, apiMessage: string | undefined, retryAfter: string | null): string {
  const detail = apiMessage ?? 'no explanation was given';
  if (status === 400) return `Not accepted: ${detail}`;
  if (status === 401) return `Your sign-in is no longer valid (${detail}); sign in again`;
  if (status === 403) return `Not allowed: ${detail}`;
  if (status === 404) return `Not found: ${detail}`;
  if (status === 409) return `Not possible: ${detail}`;
  if (status === 413) return `Too long: ${detail}`;
  if (status === 429) {
    const seconds = retryAfterSeconds(retryAfter);
    return `Too many requests; try again${seconds !== undefined ? ` in ${seconds} s` : ' shortly'}`;
  }
  if (status >= 500) return `The service had a problem (${status}): ${detail}; try again shortly`;
  return `The request failed (${status}): ${detail}`;
}

export const OFFLINE_MESSAGE = 'This device is offline: no network';

/** Whether the browser says there is no network (navigator.onLine false is certain; true only means "maybe"). */
export const deviceOffline = (): boolean => globalThis.navigator?.onLine === false;

/** Sends the request; the parsed body of a 2xx answer (undefined when empty), or an ApiError. */
export async function send(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    // AbortSignal.timeout() aborts with a TimeoutError: the server took too long, it may still have done the work.
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new ApiError('The API did not answer in time', 0, 'timeout');
    }
    // A failed fetch says nothing of why: the user's network is named when the browser knows it is down, and the
    // backend only when the device is online.
    if (deviceOffline()) throw new ApiError(OFFLINE_MESSAGE, 0, 'offline');
    throw new ApiError('The API cannot be reached; is the backend running?', 0, 'unreachable');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = v.safeParse(ErrorBodySchema, json);
    const retryAfter = res.headers.get('retry-after');
    throw new ApiError(
      explainStatus(res.status, error.success ? error.output.message : undefined, retryAfter),
      res.status,
      error.success ? error.output.error : undefined,
      retryAfterSeconds(retryAfter),
    );
  }
  return json;
}

/** Sends the request and checks the answer against its contract. */
export async function request<const S extends v.GenericSchema>(url: string, init: RequestInit, schema: S): Promise<v.InferOutput<S>> {
  const parsed = v.safeParse(schema, await send(url, init));
  if (!parsed.success) throw new ApiError(`The API answered ${new URL(url).pathname} with something this page does not understand`, 0);
  return parsed.output;
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
