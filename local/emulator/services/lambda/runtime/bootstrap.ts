/**
 * The runtime inside one execution environment (a worker thread): what Lambda's Node.js runtime does between the
 * Lambda service and the function's code ("Lambda runtime environment", "Building Lambda functions with Node.js").
 * - Init: loads the handler named by `_HANDLER` (`index.handler`: module `index` in LAMBDA_TASK_ROOT, tried as .mjs,
 *   .js, .cjs) and reports an init error as Runtime.ImportModuleError / Runtime.HandlerNotFound or the module's own.
 * - Invoke: one event at a time, with a context object (awsRequestId, getRemainingTimeInMillis, ...); the handler may
 *   be async or take a callback; its result is serialized to JSON as Lambda does.
 * - The network of this machine: a request to an AWS endpoint host (for example a user pool's JWKS at
 *   https://cognito-idp.<region>.amazonaws.com/...) goes to the emulator instead; SDK clients are pointed at it through
 *   AWS_ENDPOINT_URL in the environment the Lambda service gives this worker.
 *
 * This file runs in a bare worker thread (no TypeScript loader); the service compiles it with esbuild. It imports only
 * node: modules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

export interface BootstrapData {
  taskRoot: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
  logGroupName: string;
  logStreamName: string;
  /** Host (as in a URL, with port if any) -> origin to send its requests to instead. */
  networkMap: Record<string, string>;
  /** Written alone on a line of stdout and stderr with a request id (or `-`) where an invocation's output starts (ends). */
  logMarker?: string;
}

export type ToRuntime = { kind: 'invoke'; requestId: string; deadline: number; payload: string };
export type FromRuntime =
  | { kind: 'ready' }
  | { kind: 'init-error'; errorType: string; errorMessage: string; trace: string[] }
  | { kind: 'result'; requestId: string; payload: string }
  | { kind: 'error'; requestId: string; errorType: string; errorMessage: string; trace: string[] };

type Handler = (event: unknown, context: unknown, callback?: (error: unknown, result?: unknown) => void) => unknown;

const data = workerData as BootstrapData;
const port = parentPort!;

function installNetworkMap(map: Record<string, string>): void {
  const original = globalThis.fetch;
  const rewrite = (url: string): string => {
    const parsed = new URL(url);
    const target = map[parsed.host];
    return target === undefined ? url : `${target}${parsed.pathname}${parsed.search}`;
  };
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    if (typeof input === 'string' || input instanceof URL) return original(rewrite(String(input)), init);
    return original(new Request(rewrite(input.url), input), init);
  };
}

function errorFields(error: unknown, fallbackType: string): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) return { errorType: error.name || fallbackType, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  return { errorType: fallbackType, errorMessage: String(error), trace: [] };
}

async function loadHandler(handlerSetting: string): Promise<Handler> {
  const dot = handlerSetting.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${handlerSetting}: expected module.function`), { name: 'Runtime.MalformedHandlerName' });
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(data.taskRoot, moduleName + ext)).find((candidate) => existsSync(candidate));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[exportName] ?? (module.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${handlerSetting} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return handler as Handler;
}

function invoke(handler: Handler, event: unknown, context: object): Promise<unknown> {
  // Callback handlers (three parameters) finish with the callback; async ones with their promise.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
      const returned = handler(event, context, done);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

function mark(request: string): void {
  if (data.logMarker === undefined) return;
  process.stdout.write(`${data.logMarker} ${request}\n`);
  process.stderr.write(`${data.logMarker} ${request}\n`);
}

async function main(): Promise<void> {
  installNetworkMap(data.networkMap);
  let handler: Handler;
  try {
    handler = await loadHandler(process.env._HANDLER ?? 'index.handler');
  } catch (error) {
    port.postMessage({ kind: 'init-error', ...errorFields(error, 'Runtime.ImportModuleError') } satisfies FromRuntime);
    return;
  }
  port.on('message', (message: ToRuntime) => {
    if (message.kind !== 'invoke') return;
    const { requestId, deadline } = message;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: data.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: data.functionArn,
      memoryLimitInMB: String(data.memoryMb),
      awsRequestId: requestId,
      logGroupName: data.logGroupName,
      logStreamName: data.logStreamName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let event: unknown;
    try {
      event = JSON.parse(message.payload);
    } catch (error) {
      port.postMessage({ kind: 'error', requestId, ...errorFields(error, 'Runtime.InvalidPayload') } satisfies FromRuntime);
      return;
    }
    mark(requestId);
    invoke(handler, event, context)
      .finally(() => mark('-'))
      .then(
        (result) => {
          let payload: string;
          try {
            payload = result === undefined ? 'null' : JSON.stringify(result);
          } catch (error) {
            port.postMessage({ kind: 'error', requestId, ...errorFields(error, 'Runtime.SerializationError') } satisfies FromRuntime);
            return;
          }
          port.postMessage({ kind: 'result', requestId, payload } satisfies FromRuntime);
        },
        (error: unknown) => port.postMessage({ kind: 'error', requestId, ...errorFields(error, 'Error') } satisfies FromRuntime),
      );
  });
  port.postMessage({ kind: 'ready' } satisfies FromRuntime);
}

void main();
