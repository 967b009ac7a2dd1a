/**
 * The emulator's Lambda service with tiny functions packaged on the fly: each runs in its own execution environment
 * (a worker thread) from its .zip, with exactly the environment Lambda gives it ("Defined runtime environment
 * variables"), its timeout ("Task timed out after N seconds") and memory, and is invoked the ways the stack uses
 * (by API Gateway and IoT under the function's resource-based policy, asynchronously with retries and an on-failure
 * destination, "Asynchronous invocation"), throttled at the local bound on environments (TooManyRequestsException).
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { createTestFunction, executionRole, functionPackage } from '../../../test/support/function-package.js';
import { LambdaServiceError } from '../services/lambda/service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ lambda: { asyncRetryDelayMs: 300 } });
});
afterAll(async () => emulator.close());

/** Lines a function wrote, as the emulator's log shows them (`<function>: <line>`). */
const linesOf = (fn: string) =>
  emulator.logs.filter((e) => typeof e.message === 'string' && e.message.startsWith(`${fn}: `)).map((e) => (e.message as string).slice(fn.length + 2));

/** Function output reaches the emulator's log on its own stream, possibly after the invocation's result: wait for it. */
const eventually = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
};

const invoke = async (fn: string, event: unknown = {}) => emulator.lambda.invokeInternal(fn, JSON.stringify(event));
const okPayload = async (fn: string, event: unknown = {}) => {
  const result = await invoke(fn, event);
  if (result.status !== 'ok') throw new Error(`${fn} failed: ${result.errorType} ${result.errorMessage}`);
  return JSON.parse(result.payload) as unknown;
};

describe('the execution environment', () => {
  it('gives the function exactly its configured variables and the ones Lambda defines, nothing of the emulator process', async () => {
    process.env.SVCTESTS_PARENT_SECRET = 'must-not-leak';
    try {
      createTestFunction(emulator, 'env-probe', 'export const handler = async () => ({ ...process.env });', {
        environment: { TABLE_NAME: 'rooms', EMPTY: '' },
        memoryMb: 256,
        timeoutSeconds: 7,
      });
      const env = (await okPayload('env-probe')) as Record<string, string>;
      const fn = emulator.lambda.getFunction('env-probe')!;
      expect(Object.keys(env).sort()).toEqual(
        [
          'TABLE_NAME',
          'EMPTY',
          'AWS_ENDPOINT_URL',
          'AWS_REGION',
          'AWS_DEFAULT_REGION',
          'AWS_EXECUTION_ENV',
          'AWS_LAMBDA_FUNCTION_NAME',
          'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
          'AWS_LAMBDA_FUNCTION_VERSION',
          'AWS_LAMBDA_INITIALIZATION_TYPE',
          'AWS_LAMBDA_LOG_GROUP_NAME',
          'AWS_LAMBDA_LOG_STREAM_NAME',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_SESSION_TOKEN',
          'LAMBDA_TASK_ROOT',
          '_HANDLER',
          'TZ',
          'LANG',
          'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        ].sort(),
      );
      expect(env).toMatchObject({
        TABLE_NAME: 'rooms',
        EMPTY: '',
        AWS_ENDPOINT_URL: emulator.url,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: 'env-probe',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/env-probe',
        LAMBDA_TASK_ROOT: fn.code.taskRoot,
        _HANDLER: 'index.handler',
        TZ: ':UTC',
      });
      expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(env.SVCTESTS_PARENT_SECRET).toBeUndefined();
      // The credentials are a session of the function's execution role, which the emulator accepts.
      const issued = emulator.account.credentials.resolve(env.AWS_ACCESS_KEY_ID!, env.AWS_SESSION_TOKEN, new Date());
      expect(issued.secretAccessKey).toBe(env.AWS_SECRET_ACCESS_KEY);
      expect(issued.principal).toMatchObject({ kind: 'role-session', role: { arn: fn.role.arn } });
    } finally {
      delete process.env.SVCTESTS_PARENT_SECRET;
    }
  });

  it('points a service-specific endpoint the stack set to a mapped AWS host at the emulator, and leaves others alone', async () => {
    createTestFunction(emulator, 'endpoint-probe', 'export const handler = async () => ({ ...process.env });', {
      environment: {
        AWS_ENDPOINT_URL_IOT_DATA_PLANE: `https://${emulator.advertisedHost}`,
        AWS_ENDPOINT_URL_OTHER: 'https://example.com',
      },
    });
    const env = (await okPayload('endpoint-probe')) as Record<string, string>;
    expect(env.AWS_ENDPOINT_URL_IOT_DATA_PLANE).toBe(emulator.url);
    expect(env.AWS_ENDPOINT_URL_OTHER).toBe('https://example.com');
  });

  it('keeps module state per function and per environment, never shared with another function or the emulator', async () => {
    const source = 'let count = 0; export const handler = async () => { globalThis.svctestsMarker = "set"; count += 1; return count; };';
    createTestFunction(emulator, 'counter-a', source);
    createTestFunction(emulator, 'counter-b', source);
    expect(await okPayload('counter-a')).toBe(1);
    expect(await okPayload('counter-a')).toBe(2);
    expect(await okPayload('counter-b')).toBe(1);
    expect(await okPayload('counter-a')).toBe(3);
    expect((globalThis as { svctestsMarker?: string }).svctestsMarker).toBeUndefined();
  });

  it('counts a cold start, then a warm one, and gives the handler its context', async () => {
    createTestFunction(
      emulator,
      'context-probe',
      'export const handler = async (event, context) => ({ event, name: context.functionName, arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, id: context.awsRequestId, remaining: context.getRemainingTimeInMillis() });',
      { timeoutSeconds: 5 },
    );
    const first = await invoke('context-probe', { n: 1 });
    const second = await invoke('context-probe', { n: 2 });
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
    expect(emulator.lambda.stats('context-probe')).toMatchObject({ invocations: 2, coldStarts: 1, errors: 0 });
    const payload = JSON.parse(second.payload) as Record<string, unknown>;
    expect(payload).toMatchObject({
      event: { n: 2 },
      name: 'context-probe',
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:context-probe`,
      memory: '128',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(payload.remaining).toBeGreaterThan(3000);
    expect(payload.remaining).toBeLessThanOrEqual(5000);
  });

  it('reports a function error with its type and message, and callback-style handlers work', async () => {
    createTestFunction(emulator, 'thrower', 'export const handler = async () => { const e = new Error("no room"); e.name = "RoomError"; throw e; };');
    createTestFunction(
      emulator,
      'callback',
      'export const handler = (event, context, callback) => { setTimeout(() => callback(null, { got: event.x }), 5); };',
    );
    const failed = await invoke('thrower');
    expect(failed).toMatchObject({ status: 'function-error', errorType: 'RoomError', errorMessage: 'no room' });
    expect(JSON.parse(failed.payload)).toMatchObject({ errorType: 'RoomError', errorMessage: 'no room', trace: expect.any(Array) });
    expect(await okPayload('callback', { x: 7 })).toEqual({ got: 7 });
  });

  it('stops a function past its timeout: Sandbox.Timedout, the function runs no more, the next invocation is cold', async () => {
    createTestFunction(
      emulator,
      'sleeper',
      'export const handler = async (event) => { if (event.quick) return "quick"; setInterval(() => console.log("tick"), 50); await new Promise(() => {}); };',
      { timeoutSeconds: 1 },
    );
    const started = Date.now();
    const result = await invoke('sleeper');
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    if (result.status !== 'function-error') throw new Error('unreachable');
    expect(result.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    await sleep(100);
    const ticks = linesOf('sleeper').length;
    expect(ticks).toBeGreaterThan(0);
    await sleep(300);
    expect(linesOf('sleeper')).toHaveLength(ticks);
    const next = await invoke('sleeper', { quick: true });
    expect(next).toMatchObject({ status: 'ok', coldStart: true });
    expect(emulator.lambda.stats('sleeper')).toMatchObject({ timeouts: 1, coldStarts: 2 });
  });

  it('leaves the emulator responsive while a function blocks its own event loop', async () => {
    createTestFunction(emulator, 'spinner', 'export const handler = async () => { while (true) {} };', { timeoutSeconds: 2 });
    const running = invoke('spinner');
    await sleep(300);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const response = await fetch(`${emulator.url}/health`);
      expect(response.status).toBe(200);
      await response.json();
      latencies.push(performance.now() - started);
    }
    // Blocked, every request would wait for the timeout (2 s); the median is robust to a busy machine's outlier.
    expect([...latencies].sort((a, b) => a - b)[2]).toBeLessThan(200);
    expect(await running).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
  });

  it('ends an environment that allocates beyond its MemorySize (Runtime.OutOfMemory); the next invocation is cold', async () => {
    createTestFunction(
      emulator,
      'hog',
      'const keep = []; export const handler = async (event) => { if (event.quick) return "fine"; for (;;) keep.push(new Array(1 << 20).fill(1.5)); };',
      { memoryMb: 128, timeoutSeconds: 30 },
    );
    const result = await invoke('hog');
    // What Lambda answers for an environment killed over its memory.
    expect(result).toMatchObject({ status: 'function-error', errorType: 'Runtime.OutOfMemory' });
    if (result.status === 'function-error') expect(result.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
    expect(await invoke('hog', { quick: true })).toMatchObject({ status: 'ok', coldStart: true, payload: '"fine"' });
  });

  it('reports a function that exits its runtime as Runtime.ExitError, and starts a new environment next time', async () => {
    createTestFunction(emulator, 'exits', 'export const handler = async (event) => { if (event.quick) return "back"; process.exit(3); };');
    const result = await invoke('exits');
    expect(result).toMatchObject({ status: 'function-error', errorType: 'Runtime.ExitError' });
    if (result.status === 'function-error') expect(result.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/);
    expect(await invoke('exits', { quick: true })).toMatchObject({ status: 'ok', coldStart: true, payload: '"back"' });
  });

  it.each([
    ['a module that throws while loading', { 'index.mjs': 'throw new TypeError("bad config");' }, 'index.handler', 'TypeError', /bad config/],
    [
      'a handler the module does not export',
      { 'index.mjs': 'export const other = 1;' },
      'index.handler',
      'Runtime.HandlerNotFound',
      /index\.handler is undefined/,
    ],
    [
      'a module the package does not hold',
      { 'index.mjs': 'export const handler = 1;' },
      'missing.handler',
      'Runtime.ImportModuleError',
      /Cannot find module 'missing'/,
    ],
    ['a handler setting without a function name', { 'index.mjs': 'export const handler = 1;' }, 'index', 'Runtime.MalformedHandlerName', /Bad handler/],
  ])('reports an init error for %s, and tries a new environment next time', async (_name, files, handler, errorType, message) => {
    const name = `init-${errorType.replace(/\W/g, '-')}`;
    emulator.lambda.createFunction({
      functionName: name,
      roleArn: executionRole(emulator, 'test-function-role').arn,
      handler,
      runtime: 'nodejs22.x',
      timeoutSeconds: 3,
      memoryMb: 128,
      environment: {},
      zip: functionPackage(files['index.mjs'], {}),
    });
    const result = await invoke(name);
    expect(result).toMatchObject({ status: 'function-error', errorType, coldStart: true });
    if (result.status === 'function-error') expect(result.errorMessage).toMatch(message);
    expect(await invoke(name)).toMatchObject({ status: 'function-error', errorType, coldStart: true });
  });

  it("attributes each line a function writes to its own invocation's request id, on stdout and stderr", async () => {
    createTestFunction(
      emulator,
      'log-attribution',
      'export const handler = async (event, context) => { console.log(`out ${context.awsRequestId}`); console.error(`err ${context.awsRequestId}`); return context.awsRequestId; };',
    );
    const ids = [await okPayload('log-attribution'), await okPayload('log-attribution'), await okPayload('log-attribution')];
    const logged = () => emulator.logs.filter((e) => typeof e.message === 'string' && e.message.startsWith('log-attribution: '));
    await eventually(() => logged().length >= 6);
    const lines = logged();
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(String(line.message).split(' ').at(-1)).toBe(line.requestId);
    expect(new Set(lines.map((l) => l.requestId))).toEqual(new Set(ids));
  });

  it('sums the metrics a function writes in the embedded metric format, and does not show those lines', async () => {
    const emf = (n: number) =>
      JSON.stringify({
        _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'test', Dimensions: [[]], Metrics: [{ Name: 'svcPublished', Unit: 'Count' }] }] },
        svcPublished: n,
      });
    createTestFunction(
      emulator,
      'emf',
      `export const handler = async () => { console.log(${JSON.stringify(emf(2))}); console.log(${JSON.stringify(emf(3))}); console.log("plain line"); };`,
    );
    const before = emulator.lambda.logs.metrics.svcPublished ?? 0;
    await okPayload('emf');
    await eventually(() => linesOf('emf').length > 0 && (emulator.lambda.logs.metrics.svcPublished ?? 0) - before >= 5);
    expect((emulator.lambda.logs.metrics.svcPublished ?? 0) - before).toBe(5);
    expect(linesOf('emf')).toEqual(['plain line']);
  });
});

describe('CreateFunction validation', () => {
  const base = () => ({
    roleArn: executionRole(emulator, 'test-function-role').arn,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memoryMb: 128,
    zip: functionPackage('export const handler = async () => 1;'),
  });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a refusal');
  };

  it('refuses a reserved environment variable, naming it', () => {
    const error = refusal(() =>
      emulator.lambda.createFunction({ ...base(), functionName: 'reserved', environment: { AWS_REGION: 'eu-west-1', OK: '1', _HANDLER: 'x' } }),
    );
    expect(error).toBeInstanceOf(LambdaServiceError);
    expect(error).toMatchObject({ code: 'InvalidParameterValueException', status: 400 });
    expect((error as Error).message).toMatch(/reserved keys .* Reserved keys used in this request: AWS_REGION, _HANDLER$/);
    expect(emulator.lambda.getFunction('reserved')).toBeUndefined();
  });

  it('takes environment variables of 4 KB in total and refuses one byte more', () => {
    // "Lambda quotas": the total size of the environment variables is at most 4 KB (keys and values).
    const exactly = { K: 'v'.repeat(4095) };
    expect(() => emulator.lambda.createFunction({ ...base(), functionName: 'env-4k', environment: exactly })).not.toThrow();
    const error = refusal(() => emulator.lambda.createFunction({ ...base(), functionName: 'env-too-big', environment: { K: 'v'.repeat(4096) } }));
    expect(error).toMatchObject({ code: 'InvalidParameterValueException' });
    expect((error as Error).message).toMatch(/exceeded the 4KB limit/);
  });

  it.each([
    ['a bad name', { functionName: 'has space' }, /function name/],
    ['a runtime that is not emulated', { runtime: 'python3.12' }, /runtime/],
    ['a timeout over 900 s', { timeoutSeconds: 901 }, /Timeout must be 1-900/],
    ['a fractional timeout', { timeoutSeconds: 1.5 }, /Timeout must be 1-900/],
    ['memory under 128 MB', { memoryMb: 64 }, /MemorySize must be 128-10240/],
    ['a role that does not exist', { roleArn: `arn:aws:iam::${ACCOUNT}:role/nope` }, /cannot be assumed by Lambda/],
    ['a package that is not a zip', { zip: new TextEncoder().encode('not a zip') }, /not a valid \.zip/],
  ])('refuses %s', (_name, override, message) => {
    const error = refusal(() => emulator.lambda.createFunction({ ...base(), functionName: 'refused-fn', environment: {}, ...override }));
    expect(error).toMatchObject({ code: 'InvalidParameterValueException' });
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a role whose trust policy does not let Lambda assume it, and a second function of the same name', () => {
    const name = 'not-for-lambda';
    emulator.account.createRole({
      name,
      arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      policies: [],
      maxSessionDurationSeconds: 3600,
    });
    expect(
      refusal(() => emulator.lambda.createFunction({ ...base(), functionName: 'trust', environment: {}, roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}` })),
    ).toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'The role defined for the function cannot be assumed by Lambda.',
    });
    emulator.lambda.createFunction({ ...base(), functionName: 'twice', environment: {} });
    expect(refusal(() => emulator.lambda.createFunction({ ...base(), functionName: 'twice', environment: {} }))).toMatchObject({
      code: 'ResourceConflictException',
      status: 409,
    });
  });
});

describe('invocation by AWS services: the resource-based policy', () => {
  const apiArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123`;
  beforeAll(() => {
    createTestFunction(emulator, 'api-target', 'export const handler = async () => "served";');
    createTestFunction(emulator, 'no-policy', 'export const handler = async () => "served";');
    emulator.lambda.addPermission('api-target', {
      statementId: 'AllowHttpApiInvoke',
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${apiArn}/*/*`,
    });
  });

  it('lets API Gateway invoke from the API the permission names', async () => {
    expect(
      await emulator.lambda.invokeAsService('api-target', '{}', {
        service: 'apigateway.amazonaws.com',
        sourceArn: `${apiArn}/$default/GET/rooms`,
        sourceAccount: ACCOUNT,
      }),
    ).toMatchObject({ status: 'ok', payload: '"served"' });
  });

  it.each([
    ['another API', { service: 'apigateway.amazonaws.com', sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:other99/$default/GET/rooms` }],
    ['no source ARN', { service: 'apigateway.amazonaws.com' }],
    ['another service', { service: 'iot.amazonaws.com', sourceArn: `${apiArn}/$default/GET/rooms` }],
  ])('refuses API Gateway from %s with AccessDeniedException, and logs why', async (_name, caller) => {
    const before = emulator.denials().length;
    await expect(emulator.lambda.invokeAsService('api-target', '{}', caller)).rejects.toMatchObject({ code: 'AccessDeniedException', status: 403 });
    expect(emulator.denials().slice(before)).toEqual([expect.objectContaining({ service: 'lambda', action: 'lambda:InvokeFunction' })]);
  });

  it('refuses every service when the function has no resource-based policy', async () => {
    await expect(
      emulator.lambda.invokeAsService('no-policy', '{}', { service: 'apigateway.amazonaws.com', sourceArn: `${apiArn}/$default/GET/x` }),
    ).rejects.toMatchObject({ code: 'AccessDeniedException' });
    expect(emulator.lambda.stats('no-policy').invocations).toBe(0);
  });

  it('refuses a source account that is not the one the permission names', async () => {
    createTestFunction(emulator, 'iot-target', 'export const handler = async () => "ok";');
    const ruleArn = `arn:aws:iot:${REGION}:${ACCOUNT}:rule/presence`;
    emulator.lambda.addPermission('iot-target', {
      statementId: 'AllowIot',
      action: 'lambda:InvokeFunction',
      principal: 'iot.amazonaws.com',
      sourceArn: ruleArn,
      sourceAccount: ACCOUNT,
    });
    expect(() =>
      emulator.lambda.invokeAsyncAsService('iot-target', '{}', { service: 'iot.amazonaws.com', sourceArn: ruleArn, sourceAccount: '111122223333' }),
    ).toThrow(expect.objectContaining({ code: 'AccessDeniedException' }));
    expect(() =>
      emulator.lambda.addPermission('iot-target', { statementId: 'AllowIot', action: 'lambda:InvokeFunction', principal: 'iot.amazonaws.com' }),
    ).toThrow(expect.objectContaining({ code: 'ResourceConflictException' }));
  });
});

describe('asynchronous invocation', () => {
  const ruleArn = `arn:aws:iot:${REGION}:${ACCOUNT}:rule/failing`;
  const asIot = { service: 'iot.amazonaws.com', sourceArn: ruleArn, sourceAccount: ACCOUNT };
  const sqs = () => new SQSClient({ region: REGION, endpoint: emulator.url, credentials: adminCredentials });

  it('retries a failing event twice, the retries spaced, then sends the documented record to the on-failure destination', async () => {
    const destination = emulator.sqs.createQueue({ name: 'async-failures', attributes: {} });
    const role = executionRole(emulator, 'async-failing-role', [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: destination.arn }]);
    createTestFunction(
      emulator,
      'always-fails',
      'export const handler = async (event) => { console.log(`attempt ${Date.now()}`); throw new Error(`cannot ${event.what}`); };',
      {
        roleArn: role.arn,
      },
    );
    emulator.lambda.addPermission('always-fails', { statementId: 'iot', action: 'lambda:InvokeFunction', principal: 'iot.amazonaws.com', sourceArn: ruleArn });
    emulator.lambda.putEventInvokeConfig('always-fails', { onFailureDestination: destination.arn });
    const requestId = emulator.lambda.invokeAsyncAsService('always-fails', JSON.stringify({ what: 'connect' }), asIot);
    await emulator.lambda.idle();
    expect(emulator.lambda.stats('always-fails')).toMatchObject({ invocations: 3, errors: 3 });
    // Function output reaches the emulator's log on its own stream, possibly after the invocation's result.
    await eventually(() => linesOf('always-fails').length >= 3);
    const attempts = linesOf('always-fails').map((line) => Number(line.replace('attempt ', '')));
    expect(attempts).toHaveLength(3);
    // Lambda waits between retries (1 and 2 minutes; locally asyncRetryDelayMs, 300 ms here).
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(290);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(290);
    const received = await sqs().send(new ReceiveMessageCommand({ QueueUrl: destination.url, MaxNumberOfMessages: 10 }));
    expect(received.Messages).toHaveLength(1);
    const record = JSON.parse(received.Messages![0]!.Body!) as Record<string, unknown>;
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      requestContext: {
        requestId,
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:always-fails:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { what: 'connect' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'cannot connect', trace: expect.any(Array) },
    });
  });

  it('retries as configured (0 retries) and drops the event with a log line when the role may not send to the destination', async () => {
    const destination = emulator.sqs.createQueue({ name: 'async-failures-denied', attributes: {} });
    createTestFunction(emulator, 'fails-no-send', 'export const handler = async () => { throw new Error("nope"); };', {
      roleArn: executionRole(emulator, 'no-send-role').arn,
    });
    emulator.lambda.addPermission('fails-no-send', { statementId: 'iot', action: 'lambda:InvokeFunction', principal: 'iot.amazonaws.com', sourceArn: ruleArn });
    emulator.lambda.putEventInvokeConfig('fails-no-send', { maximumRetryAttempts: 0, onFailureDestination: destination.arn });
    emulator.lambda.invokeAsyncAsService('fails-no-send', '{}', asIot);
    await emulator.lambda.idle();
    expect(emulator.lambda.stats('fails-no-send').invocations).toBe(1);
    expect(destination.depth).toBe(0);
    expect(emulator.logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'the on-failure destination of fails-no-send refused the record' }),
    );
  });

  it('refuses retry and event-age settings outside Lambda’s ranges', () => {
    createTestFunction(emulator, 'config-target', 'export const handler = async () => 1;');
    expect(() => emulator.lambda.putEventInvokeConfig('config-target', { maximumRetryAttempts: 3 })).toThrow(/MaximumRetryAttempts must be 0-2/);
    expect(() => emulator.lambda.putEventInvokeConfig('config-target', { maximumEventAgeSeconds: 59 })).toThrow(/MaximumEventAgeInSeconds/);
    expect(() => emulator.lambda.putEventInvokeConfig('missing-fn', {})).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
  });
});

describe('throttling at the local bound on execution environments', () => {
  let small: TestEmulator;
  beforeAll(async () => {
    small = await startTestEmulator({ lambda: { maxEnvironments: 2, asyncRetryDelayMs: 20 } });
    createTestFunction(
      small,
      'slow',
      'export const handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 600)); console.log(`ran ${event.n}`); return event.n ?? 0; };',
    );
    small.lambda.addPermission('slow', {
      statementId: 'iot',
      action: 'lambda:InvokeFunction',
      principal: 'iot.amazonaws.com',
      sourceArn: `arn:aws:iot:${REGION}:${ACCOUNT}:rule/r`,
    });
  });
  afterAll(async () => small.close());

  it('throttles an invocation with TooManyRequestsException while every environment is busy, and serves again after', async () => {
    const busy = [small.lambda.invokeInternal('slow', '{"n":1}'), small.lambda.invokeInternal('slow', '{"n":2}')];
    await expect(small.lambda.invokeInternal('slow', '{"n":3}')).rejects.toMatchObject({ code: 'TooManyRequestsException', status: 429 });
    expect(small.lambda.stats('slow').throttles).toBe(1);
    expect(await Promise.all(busy)).toEqual([expect.objectContaining({ status: 'ok' }), expect.objectContaining({ status: 'ok' })]);
    expect(await small.lambda.invokeInternal('slow', '{"n":4,"ms":1}')).toMatchObject({ status: 'ok', coldStart: false, payload: '4' });
  });

  it('keeps a throttled asynchronous event queued and runs it once an environment is free (nothing lost)', async () => {
    const busy = [small.lambda.invokeInternal('slow', '{"ms":400}'), small.lambda.invokeInternal('slow', '{"ms":400}')];
    small.lambda.invokeAsyncAsService('slow', '{"n":9,"ms":1}', { service: 'iot.amazonaws.com', sourceArn: `arn:aws:iot:${REGION}:${ACCOUNT}:rule/r` });
    await Promise.all(busy);
    await small.lambda.idle();
    await eventually(() => small.logs.some((e) => e.message === 'slow: ran 9'));
    // The event ran exactly once, after the environments were free again; nothing was discarded.
    expect(small.logs.filter((e) => e.message === 'slow: ran 9')).toHaveLength(1);
    expect(small.logs.filter((e) => String(e.message).includes('discarded'))).toEqual([]);
  });
});

describe('one retry timer per throttled function', () => {
  let held: TestEmulator;
  beforeAll(async () => {
    held = await startTestEmulator({ lambda: { maxEnvironments: 1, asyncRetryDelayMs: 20 } });
    createTestFunction(held, 'holder', 'export const handler = async () => { await new Promise((r) => setTimeout(r, 800)); return 1; };');
    createTestFunction(held, 'flooded', 'export const handler = async (event) => { console.log(`ran ${event.n}`); return event.n; };');
    held.lambda.addPermission('flooded', {
      statementId: 'iot',
      action: 'lambda:InvokeFunction',
      principal: 'iot.amazonaws.com',
      sourceArn: `arn:aws:iot:${REGION}:${ACCOUNT}:rule/r`,
    });
  });
  afterAll(async () => held.close());

  it('keeps one pending retry for a flood of throttled events, not one per event, and runs them all once there is room', async () => {
    const holding = held.lambda.invokeInternal('holder', '{}');
    const asIot = { service: 'iot.amazonaws.com', sourceArn: `arn:aws:iot:${REGION}:${ACCOUNT}:rule/r` };
    for (let n = 0; n < 200; n += 1) held.lambda.invokeAsyncAsService('flooded', JSON.stringify({ n }), asIot);
    // Every arrival tried its queue and was throttled (the account's one environment is busy).
    await sleep(50);
    expect(held.lambda.stats('flooded').throttles).toBeGreaterThan(0);
    expect(held.lambda.pendingTimers).toBe(1);
    await holding;
    await held.lambda.idle();
    await eventually(() => held.logs.filter((e) => String(e.message).startsWith('flooded: ran ')).length === 200, 10_000);
    expect(new Set(held.logs.filter((e) => String(e.message).startsWith('flooded: ran ')).map((e) => e.message)).size).toBe(200);
    expect(held.logs.filter((e) => String(e.message).includes('discarded'))).toEqual([]);
  });
});

describe('reserved concurrency (reserved_concurrent_executions)', () => {
  let reserved: TestEmulator;
  const asIot = { service: 'iot.amazonaws.com', sourceArn: `arn:aws:iot:${REGION}:${ACCOUNT}:rule/r` };
  const permit = (fn: string) =>
    reserved.lambda.addPermission(fn, { statementId: 'iot', action: 'lambda:InvokeFunction', principal: 'iot.amazonaws.com', sourceArn: asIot.sourceArn });
  beforeAll(async () => {
    reserved = await startTestEmulator({ lambda: { maxEnvironments: 8, asyncRetryDelayMs: 20 } });
  });
  afterAll(async () => reserved.close());

  it("refuses a reservation that is negative, fractional or beyond the account's concurrency", () => {
    for (const [i, reservedConcurrency] of [-1, 1.5, 9].entries())
      expect(() => createTestFunction(reserved, `bad-reservation-${i}`, 'export const handler = async () => 1;', { reservedConcurrency })).toThrow(
        /ReservedConcurrentExecutions must be an integer from 0 to the account's concurrency \(8 locally/,
      );
  });

  it('throttles an invocation past the reservation at once, though the account has room, and serves again after', async () => {
    createTestFunction(reserved, 'capped', 'export const handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return 1; };', {
      reservedConcurrency: 2,
    });
    const running = [reserved.lambda.invokeInternal('capped', '{"ms":500}'), reserved.lambda.invokeInternal('capped', '{"ms":500}')];
    await expect(reserved.lambda.invokeInternal('capped', '{"ms":1}')).rejects.toMatchObject({
      code: 'TooManyRequestsException',
      status: 429,
      message: expect.stringContaining('ReservedFunctionConcurrentInvocationLimitExceeded'),
    });
    expect(reserved.lambda.stats('capped').throttles).toBe(1);
    await Promise.all(running);
    expect(await reserved.lambda.invokeInternal('capped', '{"ms":1}')).toMatchObject({ status: 'ok' });
  });

  it('runs asynchronous events at most the reservation at once; the rest wait in the queue and all run', async () => {
    createTestFunction(
      reserved,
      'capped-async',
      'export const handler = async (event) => { const start = Date.now(); await new Promise((r) => setTimeout(r, 150)); console.log(`span ${event.n} ${start} ${Date.now()}`); };',
      { reservedConcurrency: 2 },
    );
    permit('capped-async');
    for (let n = 0; n < 8; n += 1) reserved.lambda.invokeAsyncAsService('capped-async', JSON.stringify({ n }), asIot);
    await reserved.lambda.idle();
    await eventually(() => linesOf2(reserved, 'capped-async').length === 8);
    const spans = linesOf2(reserved, 'capped-async').map((line) => line.split(' ').slice(2).map(Number) as [number, number]);
    const peak = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && e > start).length));
    expect(peak).toBe(2);
    expect(reserved.logs.filter((e) => String(e.message).includes('capped-async discarded'))).toEqual([]);
  });

  it('with a reservation of 0 throttles every invocation and keeps asynchronous events queued, running none', async () => {
    createTestFunction(reserved, 'stopped', 'export const handler = async () => { console.log("ran"); };', { reservedConcurrency: 0 });
    permit('stopped');
    await expect(reserved.lambda.invokeInternal('stopped', '{}')).rejects.toMatchObject({ code: 'TooManyRequestsException' });
    const requestId = reserved.lambda.invokeAsyncAsService('stopped', '{}', asIot);
    expect(requestId).toEqual(expect.any(String));
    await sleep(300);
    expect(reserved.lambda.stats('stopped').invocations).toBe(0);
    expect(linesOf2(reserved, 'stopped')).toEqual([]);
    expect(reserved.logs.filter((e) => String(e.message).includes('stopped discarded'))).toEqual([]);
    // Nothing of it can run: idle() does not wait for it (it resolves, rather than hang until the event's maximum age).
    await expect(Promise.race([reserved.lambda.idle().then(() => 'idle'), sleep(5000).then(() => 'still waiting')])).resolves.toBe('idle');
  });
});

/** Lines a function wrote on another emulator than the shared one. */
function linesOf2(on: TestEmulator, fn: string): string[] {
  return on.logs.filter((e) => typeof e.message === 'string' && e.message.startsWith(`${fn}: `)).map((e) => (e.message as string).slice(fn.length + 2));
}
