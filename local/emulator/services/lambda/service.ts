/**
 * The Lambda service of the emulator: functions created from the synthesized stack (aws_lambda_function) run in
 * execution environments of their own (worker threads, runtime/environment.ts) with exactly their configured
 * environment, timeout and memory, and are invoked the three ways the stack uses:
 * - synchronously by API Gateway (RequestResponse), if the function's resource-based policy lets the API invoke it;
 * - asynchronously by IoT topic rules (Event): queued, retried on failure (maximum_retry_attempts, 2 by default, and
 *   maximum_event_age), then sent to the on-failure destination ("Asynchronous invocation", "Configuring destinations
 *   for asynchronous invocation");
 * - by SQS event source mappings (event-source-mapping.ts).
 * Concurrency: one invocation per environment at a time; a new environment (a cold start) when all are busy, up to the
 * local bound on environments (the account's concurrency, LOCAL_LAMBDA_MAX_ENVIRONMENTS); over it an invocation is
 * throttled with TooManyRequestsException ("Lambda function scaling": "When requests come in faster than your function
 * can scale, or when your function is at maximum concurrency, additional requests fail with a throttling error").
 * A function's reserved concurrency (reserved_concurrent_executions, PutFunctionConcurrency) is its maximum: "Reserved
 * concurrency is the maximum number of concurrent instances that you want to allocate to your function"; 0 stops it
 * ("Configuring reserved concurrency"). Past it an invocation is throttled at once, and its asynchronous events wait in
 * its queue (Lambda retries throttled events). Locally the reservation is only that cap: the other functions' share of
 * the account's bound is not reduced by it.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { RoleDefinition } from '../../../../core/access/model.js';
import type { PolicyStatement } from '../../../../core/policy/document.js';
import type { LocalAccount } from '../../account/account.js';
import { denied, type EmulatorLogger } from '../../log.js';
import { type UnpackedCode, unpackDeploymentPackage } from './code.js';
import { type FunctionLogLevel, FunctionLogs } from './function-logs.js';
import { type PermissionInput, permissionStatement, serviceMayInvoke } from './permissions.js';
import { runtimeBootstrapUrl } from './runtime/bootstrap-url.js';
import { EnvironmentCrashError, ExecutionEnvironment, InitError, type InvocationOutcome, InvocationTimeoutError } from './runtime/environment.js';

export interface CreateFunctionInput {
  functionName: string;
  roleArn: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** The deployment package (.zip). */
  zip: Uint8Array;
  /** reserved_concurrent_executions: at most this many at once (0 stops the function); undefined: unreserved. */
  reservedConcurrency?: number;
  logGroup?: string;
  /** `JSON` sets AWS_LAMBDA_LOG_FORMAT; application_log_level sets AWS_LAMBDA_LOG_LEVEL ("Configuring advanced logging"). */
  logFormat?: 'Text' | 'JSON';
  applicationLogLevel?: string;
}

export interface FunctionConfiguration {
  functionName: string;
  functionArn: string;
  role: RoleDefinition;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  code: UnpackedCode;
  logGroup: string;
  logFormat: 'Text' | 'JSON';
  applicationLogLevel?: string;
  policy: PolicyStatement[];
  /** Reserved concurrency: the function's maximum concurrency; undefined when unreserved. */
  reservedConcurrency?: number;
  /** PutFunctionEventInvokeConfig: defaults 2 retries, 6 hours. */
  asyncConfig: { maximumRetryAttempts: number; maximumEventAgeSeconds: number; onFailureDestination?: string };
}

/** Who invokes: an AWS service on behalf of a source (API Gateway, IoT), or the emulator's own plumbing (mappings). */
export interface ServiceCaller {
  service: string;
  sourceArn?: string;
  sourceAccount?: string;
}

export type InvokeResult =
  | { status: 'ok'; payload: string; coldStart: boolean }
  | { status: 'function-error'; errorType: string; errorMessage: string; payload: string; coldStart: boolean };

/** An invocation Lambda refuses before running the function: the name is the API error, `status` its HTTP status. */
export class LambdaServiceError extends Error {
  override readonly name = 'LambdaServiceError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LambdaStats {
  invocations: number;
  coldStarts: number;
  errors: number;
  timeouts: number;
  throttles: number;
}

export interface LambdaServiceOptions {
  account: LocalAccount;
  logger: EmulatorLogger;
  /** Where deployment packages are unpacked. */
  codeDir: string;
  /** The emulator's URL: what AWS_ENDPOINT_URL points the functions' SDK clients at. */
  endpointUrl: () => string;
  /** Hosts whose requests (fetch) go to a local origin instead, e.g. a user pool's JWKS host -> the emulator. */
  networkMap: () => Record<string, string>;
  /** Execution environments kept at most across all functions (the account's concurrency, locally). */
  maxEnvironments?: number;
  /**
   * Environments of one function at most (local: this machine has a few cores, not Lambda's fleet). Past it an
   * invocation waits for one of them to be free, in a bounded queue (`maxWaitingInvocations`), instead of starting
   * more cold starts than the machine can run at once; a full queue is throttled as Lambda throttles.
   */
  maxEnvironmentsPerFunction?: number;
  maxWaitingInvocations?: number;
  /** Events waiting in one function's asynchronous queue at most. */
  maxQueuedEvents?: number;
  /** Local shortcut: delay before an asynchronous retry (AWS waits 1 minute, then 2). */
  asyncRetryDelayMs?: number;
  /** Level of the function log lines shown on the emulator's log. */
  showLogLevel?: FunctionLogLevel;
  /** Sends an on-failure destination record (SQS); returns false when the destination refuses it. */
  sendToDestination?: (destinationArn: string, role: RoleDefinition, body: string) => Promise<void>;
}

/** What the service keeps of an event source mapping: stopped with it, waited for by idle(). */
export interface EventSourceMappingHandle {
  uuid: string;
  /** Whether a batch is being processed. */
  readonly busy: boolean;
  stop(): void;
  idle(): Promise<void>;
}

/** Lambda quotas: environment variables 4 KB in total; timeout 1-900 s; memory 128-10,240 MB. */
const MAX_ENVIRONMENT_BYTES = 4096;
const RUNTIMES = new Set(['nodejs20.x', 'nodejs22.x']);
/** Reserved environment variables ("Defined runtime environment variables"): a function may not set them. */
const RESERVED = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
/** Environments are recycled before the role credentials they were given expire (Lambda recycles them too). */
const ENVIRONMENT_LIFETIME_MS = 50 * 60_000;
const CREDENTIALS_LIFETIME_MS = 60 * 60_000;
/** Idle environments are reclaimed after a while, as Lambda does (its window is not documented; minutes). */
const IDLE_TIMEOUT_MS = 10 * 60_000;

interface AsyncEvent {
  requestId: string;
  payload: string;
  attempts: number;
  queuedAt: number;
}

export class LambdaService {
  readonly logs: FunctionLogs;
  readonly #functions = new Map<string, FunctionConfiguration>();
  readonly #environments = new Map<string, ExecutionEnvironment[]>();
  readonly #stats = new Map<string, LambdaStats>();
  readonly #queues = new Map<string, AsyncEvent[]>();
  readonly #asyncInFlight = new Set<Promise<void>>();
  readonly #asyncRunning = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Functions whose throttled asynchronous queue has its one retry timer pending. */
  readonly #throttleRetries = new Set<string>();
  readonly #mappings: EventSourceMappingHandle[] = [];
  readonly #maxEnvironments: number;
  readonly #maxPerFunction: number;
  readonly #maxWaiting: number;
  /** Invocations waiting for a free environment of their function, oldest first. */
  /** Environments handed to an invocation that has not started on them yet (an environment is busy only once it has). */
  readonly #claimed = new Set<ExecutionEnvironment>();
  readonly #waiting = new Map<string, Array<(handed: { environment: ExecutionEnvironment; cold: boolean } | Error) => void>>();
  readonly #reaper: NodeJS.Timeout;
  #closed = false;

  constructor(private readonly options: LambdaServiceOptions) {
    this.logs = new FunctionLogs(options.logger, options.showLogLevel);
    this.#maxEnvironments = options.maxEnvironments ?? 64;
    // At least the five batches an SQS event source mapping runs at once by default ("Lambda scaling behavior for SQS").
    this.#maxPerFunction = options.maxEnvironmentsPerFunction ?? Math.max(8, 2 * availableParallelism());
    this.#maxWaiting = options.maxWaitingInvocations ?? 1000;
    this.#reaper = setInterval(() => this.#reapIdle(), 30_000);
    this.#reaper.unref();
  }

  get account(): LocalAccount {
    return this.options.account;
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.account.region}:${this.account.accountId}:function:${name}`;
  }

  /** CreateFunction, with Lambda's validation of names, role, runtime, limits and reserved variables. */
  createFunction(input: CreateFunctionInput): FunctionConfiguration {
    const invalid = (message: string) => new LambdaServiceError('InvalidParameterValueException', 400, message);
    if (!/^[a-zA-Z0-9-_]{1,64}$/.test(input.functionName)) throw invalid(`function name ${JSON.stringify(input.functionName)} must be 1-64 of [a-zA-Z0-9-_]`);
    if (this.#functions.has(input.functionName))
      throw new LambdaServiceError('ResourceConflictException', 409, `Function already exist: ${input.functionName}`);
    if (!RUNTIMES.has(input.runtime)) throw invalid(`the runtime parameter of ${input.runtime} is not emulated (${[...RUNTIMES].join(', ')})`);
    if (!Number.isInteger(input.timeoutSeconds) || input.timeoutSeconds < 1 || input.timeoutSeconds > 900) throw invalid('Timeout must be 1-900 seconds');
    if (!Number.isInteger(input.memoryMb) || input.memoryMb < 128 || input.memoryMb > 10_240) throw invalid('MemorySize must be 128-10240 MB');
    const reserved = Object.keys(input.environment).filter((key) => RESERVED.has(key));
    if (reserved.length > 0)
      throw invalid(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      );
    const size = Object.entries(input.environment).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > MAX_ENVIRONMENT_BYTES)
      throw invalid(
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit (${size} bytes)`,
      );
    const reservation = input.reservedConcurrency;
    // PutFunctionConcurrency: ReservedConcurrentExecutions is a non-negative integer, within the account's concurrency
    // (locally the bound on environments; AWS also keeps 100 unreserved, which this small bound cannot).
    if (reservation !== undefined && (!Number.isInteger(reservation) || reservation < 0 || reservation > this.#maxEnvironments))
      throw invalid(
        `ReservedConcurrentExecutions must be an integer from 0 to the account's concurrency (${this.#maxEnvironments} locally: LOCAL_LAMBDA_MAX_ENVIRONMENTS), got ${reservation}`,
      );
    const role = this.account.role(input.roleArn);
    if (!role) throw invalid(`The role defined for the function cannot be assumed by Lambda (${input.roleArn} does not exist).`);
    const trust = this.account.trusts(role, { action: 'sts:AssumeRole', principal: { type: 'Service', id: 'lambda.amazonaws.com' } });
    if (!trust.allowed) throw invalid('The role defined for the function cannot be assumed by Lambda.');
    let code: UnpackedCode;
    try {
      code = unpackDeploymentPackage(input.zip, this.options.codeDir);
    } catch (error) {
      throw invalid((error as Error).message);
    }
    const config: FunctionConfiguration = {
      functionName: input.functionName,
      functionArn: this.functionArn(input.functionName),
      role,
      handler: input.handler,
      runtime: input.runtime,
      timeoutSeconds: input.timeoutSeconds,
      memoryMb: input.memoryMb,
      environment: { ...input.environment },
      code,
      logGroup: input.logGroup ?? `/aws/lambda/${input.functionName}`,
      logFormat: input.logFormat ?? 'Text',
      ...(input.applicationLogLevel ? { applicationLogLevel: input.applicationLogLevel } : {}),
      policy: [],
      ...(reservation !== undefined ? { reservedConcurrency: reservation } : {}),
      asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
    };
    this.#functions.set(input.functionName, config);
    this.#stats.set(input.functionName, { invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, throttles: 0 });
    return config;
  }

  /** A function by name or ARN. */
  getFunction(nameOrArn: string): FunctionConfiguration | undefined {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':').at(-1) : nameOrArn;
    return name === undefined ? undefined : this.#functions.get(name);
  }

  functionNames(): string[] {
    return [...this.#functions.keys()];
  }

  stats(name: string): LambdaStats {
    return { ...(this.#stats.get(name) ?? { invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, throttles: 0 }) };
  }

  /** AddPermission: one statement of the function's resource-based policy. */
  addPermission(functionName: string, input: PermissionInput): void {
    const fn = this.#require(functionName);
    if (fn.policy.some((s) => s.Sid === input.statementId))
      throw new LambdaServiceError('ResourceConflictException', 409, `The statement id (${input.statementId}) provided already exists.`);
    fn.policy.push(permissionStatement(fn.functionArn, input));
  }

  /** PutFunctionEventInvokeConfig: retries 0-2, event age 60-21600 s, an on-failure destination. */
  putEventInvokeConfig(functionName: string, config: { maximumRetryAttempts?: number; maximumEventAgeSeconds?: number; onFailureDestination?: string }): void {
    const fn = this.#require(functionName);
    const retries = config.maximumRetryAttempts ?? 2;
    const age = config.maximumEventAgeSeconds ?? 21_600;
    if (!Number.isInteger(retries) || retries < 0 || retries > 2)
      throw new LambdaServiceError('InvalidParameterValueException', 400, 'MaximumRetryAttempts must be 0-2');
    if (!Number.isInteger(age) || age < 60 || age > 21_600)
      throw new LambdaServiceError('InvalidParameterValueException', 400, 'MaximumEventAgeInSeconds must be 60-21600');
    fn.asyncConfig = {
      maximumRetryAttempts: retries,
      maximumEventAgeSeconds: age,
      ...(config.onFailureDestination ? { onFailureDestination: config.onFailureDestination } : {}),
    };
  }

  /** An event source mapping created for one of the functions; stopped with the service. */
  addEventSourceMapping(mapping: EventSourceMappingHandle): void {
    this.#mappings.push(mapping);
  }

  /** Synchronous invocation by an AWS service (API Gateway): its resource-based policy must allow the caller. */
  async invokeAsService(functionName: string, payload: string, caller: ServiceCaller): Promise<InvokeResult> {
    const fn = this.#require(functionName);
    this.#authorizeService(fn, caller);
    return this.invokeInternal(fn.functionName, payload);
  }

  /** Asynchronous invocation by an AWS service (an IoT rule's Lambda action): queued, 202 at once. */
  invokeAsyncAsService(functionName: string, payload: string, caller: ServiceCaller): string {
    const fn = this.#require(functionName);
    this.#authorizeService(fn, caller);
    const queue = this.#queues.get(fn.functionName) ?? [];
    if (queue.length >= (this.options.maxQueuedEvents ?? 10_000)) {
      this.#stat(fn.functionName).throttles += 1;
      throw new LambdaServiceError('TooManyRequestsException', 429, `Rate Exceeded. (the local asynchronous queue of ${fn.functionName} is full)`);
    }
    const event: AsyncEvent = { requestId: randomUUID(), payload, attempts: 0, queuedAt: Date.now() };
    queue.push(event);
    this.#queues.set(fn.functionName, queue);
    this.#drain(fn.functionName);
    return event.requestId;
  }

  /**
   * Runs one invocation in a free environment (warm) or a new one (cold). Used directly by the emulator's event source
   * mappings, which Lambda runs with the function's own role and no resource-based policy.
   */
  async invokeInternal(functionName: string, payload: string): Promise<InvokeResult> {
    return this.#run(await this.#begin(functionName), payload);
  }

  /**
   * Takes an environment for one invocation, waiting (bounded) for one to be free past the function's local bound; a
   * throttle (TooManyRequestsException) rejects before the invocation starts, so the asynchronous queue can keep a
   * throttled event instead of losing it.
   */
  async #begin(functionName: string): Promise<{ fn: FunctionConfiguration; environment: ExecutionEnvironment; cold: boolean }> {
    const fn = this.#require(functionName);
    const { environment, cold } = await this.#acquire(fn);
    const stats = this.#stat(fn.functionName);
    stats.invocations += 1;
    if (cold) stats.coldStarts += 1;
    return { fn, environment, cold };
  }

  async #run(
    { fn, environment, cold }: { fn: FunctionConfiguration; environment: ExecutionEnvironment; cold: boolean },
    payload: string,
  ): Promise<InvokeResult> {
    const stats = this.#stat(fn.functionName);
    const requestId = randomUUID();
    let outcome: InvocationOutcome;
    try {
      outcome = await environment.invoke(payload, requestId, cold);
    } catch (error) {
      stats.errors += 1;
      if (error instanceof InvocationTimeoutError) {
        stats.timeouts += 1;
        return this.#failure('Sandbox.Timedout', `RequestId: ${requestId} Error: ${error.message}`, [], cold);
      }
      if (error instanceof InitError) return this.#failure(error.errorType, error.message, error.trace, cold);
      // An environment over its memory is killed: Lambda reports Runtime.OutOfMemory, "Runtime exited with error:
      // signal: killed" (the payload Lambda returns in that case, as functions report it).
      if (error instanceof EnvironmentCrashError && error.outOfMemory)
        return this.#failure('Runtime.OutOfMemory', `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`, [], cold);
      if (error instanceof EnvironmentCrashError) return this.#failure('Runtime.ExitError', `RequestId: ${requestId} Error: ${error.message}`, [], cold);
      throw error;
    } finally {
      this.#claimed.delete(environment);
      this.#release(fn);
    }
    if (outcome.kind === 'ok') return { status: 'ok', payload: outcome.payload, coldStart: cold };
    stats.errors += 1;
    return this.#failure(outcome.errorType, outcome.errorMessage, outcome.trace, cold);
  }

  /**
   * Resolves when no asynchronous event is queued or running and no event source mapping is processing a batch (tests,
   * LocalStack.idle; shutdown waits for nothing). Events queued for a function with a reserved concurrency of 0 are not
   * waited for: none of them may run until the reservation changes (or they expire).
   */
  async idle(): Promise<void> {
    for (;;) {
      const queued = [...this.#queues.entries()].some(([name, q]) => {
        const fn = this.#functions.get(name);
        return q.length > 0 && fn !== undefined && this.#asyncLimit(fn) > 0;
      });
      const batches = this.#mappings.filter((m) => m.busy);
      if (!queued && this.#asyncInFlight.size === 0 && this.#timers.size === 0 && batches.length === 0) return;
      if (batches.length > 0) {
        await Promise.all(batches.map((m) => m.idle()));
        continue;
      }
      // Waits for a macrotask at least: with nothing in flight (only retry timers pending), racing an already settled
      // promise would spin on microtasks and starve the very timers it waits for.
      const inFlight = [...this.#asyncInFlight];
      const tick = new Promise((resolve) => setTimeout(resolve, 20));
      await (inFlight.length > 0 ? Promise.race([Promise.allSettled(inFlight), tick]) : tick);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const mapping of this.#mappings) mapping.stop();
    for (const waiting of this.#waiting.values())
      for (const resolve of waiting.splice(0)) resolve(new LambdaServiceError('ServiceException', 500, 'the Lambda service is shutting down'));
    clearInterval(this.#reaper);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#throttleRetries.clear();
    this.#queues.clear();
    for (const list of this.#environments.values()) for (const environment of list) environment.terminate();
    this.#environments.clear();
  }

  #require(nameOrArn: string): FunctionConfiguration {
    const fn = this.getFunction(nameOrArn);
    if (!fn)
      throw new LambdaServiceError(
        'ResourceNotFoundException',
        404,
        `Function not found: ${nameOrArn.startsWith('arn:') ? nameOrArn : this.functionArn(nameOrArn)}`,
      );
    return fn;
  }

  #stat(name: string): LambdaStats {
    let stats = this.#stats.get(name);
    if (!stats) {
      stats = { invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, throttles: 0 };
      this.#stats.set(name, stats);
    }
    return stats;
  }

  #authorizeService(fn: FunctionConfiguration, caller: ServiceCaller): void {
    const decision = serviceMayInvoke(fn.policy, fn.functionArn, caller);
    if (decision.allowed) return;
    denied(this.options.logger, {
      service: 'lambda',
      who: `${caller.service}${caller.sourceArn ? ` (${caller.sourceArn})` : ''}`,
      action: 'lambda:InvokeFunction',
      resource: fn.functionArn,
      reason: decision.reason,
    });
    throw new LambdaServiceError(
      'AccessDeniedException',
      403,
      `${caller.service} is not authorized to perform: lambda:InvokeFunction on resource: ${fn.functionArn} because no resource-based policy allows it`,
    );
  }

  #failure(errorType: string, errorMessage: string, trace: string[], coldStart: boolean): InvokeResult {
    return { status: 'function-error', errorType, errorMessage, payload: JSON.stringify({ errorType, errorMessage, trace }), coldStart };
  }

  /**
   * A free warm environment, else a cold one; past the function's local bound the invocation waits for one to be
   * free (bounded); at the account's bound an idle environment of another function is reclaimed, else it is throttled.
   * At the function's reserved concurrency it is throttled at once (TooManyRequestsException, reason
   * ReservedFunctionConcurrentInvocationLimitExceeded in the Invoke API reference).
   */
  async #acquire(fn: FunctionConfiguration): Promise<{ environment: ExecutionEnvironment; cold: boolean }> {
    if (this.#closed) throw new LambdaServiceError('ServiceException', 500, 'the Lambda service is shutting down');
    if (fn.reservedConcurrency !== undefined && this.#inUse(fn) >= fn.reservedConcurrency)
      return this.#throttle(
        fn,
        `ReservedFunctionConcurrentInvocationLimitExceeded: ${fn.functionName} runs its reserved concurrency of ${fn.reservedConcurrency}`,
      );
    const free = this.#freeEnvironment(fn);
    if (free) {
      this.#claimed.add(free);
      return { environment: free, cold: false };
    }
    const live = this.#environments.get(fn.functionName)!.length;
    if (live < this.#maxPerFunction) {
      // The account's bound stands for its concurrency limit: past it Lambda throttles ("Lambda function scaling").
      if (this.#liveEnvironments() < this.#maxEnvironments || this.#reclaimOneIdle()) return this.#coldStart(fn);
      return this.#throttle(fn, `${this.#maxEnvironments} execution environments are busy: LOCAL_LAMBDA_MAX_ENVIRONMENTS`);
    }
    // The per-function bound is local only (AWS would scale further): the invocation waits for a free environment.
    const waiting = this.#waiting.get(fn.functionName) ?? [];
    if (waiting.length >= this.#maxWaiting) return this.#throttle(fn, `${waiting.length} invocations of ${fn.functionName} are waiting already`);
    this.#waiting.set(fn.functionName, waiting);
    const handed = await new Promise<{ environment: ExecutionEnvironment; cold: boolean } | Error>((resolve) => waiting.push(resolve));
    if (handed instanceof Error) throw handed;
    // A handed environment may have died (its lifetime, a crash) between the hand-over and this continuation.
    if (handed.environment.dead) {
      this.#claimed.delete(handed.environment);
      return this.#acquire(fn);
    }
    return handed;
  }

  #freeEnvironment(fn: FunctionConfiguration): ExecutionEnvironment | undefined {
    const list = (this.#environments.get(fn.functionName) ?? []).filter((e) => !e.dead);
    this.#environments.set(fn.functionName, list);
    const now = Date.now();
    for (const environment of list) {
      if (environment.busy || this.#claimed.has(environment)) continue;
      if (now - environment.createdAt > ENVIRONMENT_LIFETIME_MS) {
        environment.terminate();
        continue;
      }
      return environment;
    }
    return undefined;
  }

  #coldStart(fn: FunctionConfiguration): { environment: ExecutionEnvironment; cold: boolean } {
    const environment = this.#startEnvironment(fn);
    this.#environments.get(fn.functionName)!.push(environment);
    this.#claimed.add(environment);
    return { environment, cold: true };
  }

  #throttle(fn: FunctionConfiguration, why: string): never {
    this.#stat(fn.functionName).throttles += 1;
    throw new LambdaServiceError('TooManyRequestsException', 429, `Rate Exceeded. (${why})`);
  }

  /** An invocation finished: its environment (if still alive) goes to the next waiting invocation, or a new one starts. */
  #release(fn: FunctionConfiguration): void {
    const waiting = this.#waiting.get(fn.functionName);
    if (!waiting || waiting.length === 0) return;
    const free = this.#freeEnvironment(fn);
    if (free) {
      this.#claimed.add(free);
      waiting.shift()!({ environment: free, cold: false });
      return;
    }
    if (this.#environments.get(fn.functionName)!.length < this.#maxPerFunction) waiting.shift()!(this.#coldStart(fn));
  }

  /** Environments of the function running an invocation or handed to one. */
  #inUse(fn: FunctionConfiguration): number {
    let n = 0;
    for (const e of this.#environments.get(fn.functionName) ?? []) if (!e.dead && (e.busy || this.#claimed.has(e))) n += 1;
    return n;
  }

  /** Asynchronous events of the function run at once at most: its local bound, or its reserved concurrency if lower. */
  #asyncLimit(fn: FunctionConfiguration): number {
    return Math.min(this.#maxPerFunction, fn.reservedConcurrency ?? Number.POSITIVE_INFINITY);
  }

  #liveEnvironments(): number {
    let n = 0;
    for (const list of this.#environments.values()) for (const e of list) if (!e.dead) n += 1;
    return n;
  }

  #reclaimOneIdle(): boolean {
    let oldest: ExecutionEnvironment | undefined;
    for (const list of this.#environments.values())
      for (const e of list) if (!e.dead && !e.busy && !this.#claimed.has(e) && (!oldest || e.lastUsedAt < oldest.lastUsedAt)) oldest = e;
    oldest?.terminate();
    return oldest !== undefined;
  }

  #reapIdle(): void {
    const now = Date.now();
    for (const list of this.#environments.values())
      for (const e of list) if (!e.busy && !this.#claimed.has(e) && now - e.lastUsedAt > IDLE_TIMEOUT_MS) e.terminate();
  }

  #startEnvironment(fn: FunctionConfiguration): ExecutionEnvironment {
    const { account } = this;
    const issued = account.startServiceRoleSession(fn.role, 'lambda.amazonaws.com', fn.functionName, new Date(Date.now() + CREDENTIALS_LIFETIME_MS));
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
    const endpoint = this.options.endpointUrl();
    const networkMap = this.options.networkMap();
    const env: Record<string, string> = {
      ...this.#localNetwork(fn.environment, endpoint, networkMap),
      AWS_REGION: account.region,
      AWS_DEFAULT_REGION: account.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      ...(fn.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
      ...(fn.applicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel } : {}),
      AWS_ACCESS_KEY_ID: issued.accessKeyId,
      AWS_SECRET_ACCESS_KEY: issued.secretAccessKey,
      AWS_SESSION_TOKEN: issued.sessionToken ?? '',
      LAMBDA_TASK_ROOT: fn.code.taskRoot,
      _HANDLER: fn.handler,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      // Local overlay: Lambda runs nodejs22.x, this machine Node 20; the SDK's warning about the host's version is noise.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    return ExecutionEnvironment.start({
      bootstrap: runtimeBootstrapUrl(),
      data: {
        taskRoot: fn.code.taskRoot,
        functionName: fn.functionName,
        functionArn: fn.functionArn,
        memoryMb: fn.memoryMb,
        logGroupName: fn.logGroup,
        logStreamName,
        networkMap,
      },
      env,
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutSeconds,
      onLogLine: (line, requestId) => this.logs.line(fn.functionName, line, requestId),
    });
  }

  /**
   * The local network, named: every SDK client of the function goes to the emulator (AWS_ENDPOINT_URL, "Service-specific
   * endpoints" of the SDKs' shared configuration), and a service-specific endpoint the stack set to an AWS host (the
   * IoT data endpoint) is pointed at the emulator too. Nothing else of the synthesized environment changes.
   */
  #localNetwork(environment: Record<string, string>, endpoint: string, networkMap: Record<string, string>): Record<string, string> {
    const result: Record<string, string> = { ...environment, AWS_ENDPOINT_URL: endpoint };
    for (const [key, value] of Object.entries(environment)) {
      if (!key.startsWith('AWS_ENDPOINT_URL_') || !URL.canParse(value)) continue;
      const host = new URL(value).host;
      if (networkMap[host] !== undefined) result[key] = networkMap[host];
    }
    return result;
  }

  /**
   * Runs queued asynchronous events, as many at once as the function may have environments (Lambda's internal
   * queue feeds the function at its concurrency); the rest wait in the queue. A throttled attempt goes back to the
   * front of the queue and is tried again shortly (Lambda retries throttles for up to 6 hours), a failed one is
   * retried after the retry delay, up to the configured attempts.
   */
  #drain(functionName: string): void {
    if (this.#closed) return;
    const queue = this.#queues.get(functionName);
    const fn = this.#functions.get(functionName);
    if (!queue || !fn) return;
    // Too old to run: discarded from the head even while none may run (a reserved concurrency of 0).
    while (queue.length > 0 && (Date.now() - queue[0]!.queuedAt) / 1000 > fn.asyncConfig.maximumEventAgeSeconds)
      this.#discard(fn, queue.shift()!, 'EventAgeExceeded', undefined);
    while (queue.length > 0 && (this.#asyncRunning.get(functionName) ?? 0) < this.#asyncLimit(fn)) {
      const event = queue.shift()!;
      if ((Date.now() - event.queuedAt) / 1000 > fn.asyncConfig.maximumEventAgeSeconds) {
        this.#discard(fn, event, 'EventAgeExceeded', undefined);
        continue;
      }
      this.#asyncRunning.set(functionName, (this.#asyncRunning.get(functionName) ?? 0) + 1);
      let throttled = false;
      const running = this.invokeInternal(functionName, event.payload)
        .then(
          (result) => {
            event.attempts += 1;
            if (result.status === 'ok') return;
            if (event.attempts <= fn.asyncConfig.maximumRetryAttempts) {
              // "Lambda waits one minute before the second attempt and two minutes before the third" (locally
              // asyncRetryDelayMs): the event is back in the queue only once that delay has passed.
              this.#later(() => {
                queue.push(event);
                this.#drain(functionName);
              }, this.options.asyncRetryDelayMs ?? 1000);
              return;
            }
            this.#discard(fn, event, 'RetriesExhausted', result);
          },
          (error: unknown) => {
            // Throttled: the event goes back to the head of the queue and is tried again shortly (Lambda retries
            // throttled asynchronous events for up to 6 hours, "Asynchronous invocation": "Lambda returns the event
            // to the queue").
            if (error instanceof LambdaServiceError && error.code === 'TooManyRequestsException') {
              queue.unshift(event);
              throttled = true;
              this.#retryThrottled(functionName);
              return;
            }
            if (!this.#closed)
              this.options.logger.log({
                level: 'error',
                message: `asynchronous invocation of ${functionName} failed in the Lambda service`,
                requestId: event.requestId,
                error: error instanceof Error ? error.message : String(error),
              });
          },
        )
        .finally(() => {
          this.#asyncRunning.set(functionName, (this.#asyncRunning.get(functionName) ?? 1) - 1);
          this.#asyncInFlight.delete(running);
          // A throttled event waits for its retry timer; draining now would only be throttled again at once.
          if (!throttled) this.#drain(functionName);
        });
      this.#asyncInFlight.add(running);
      // The rest waits for a free environment rather than each being refused in turn.
      if (this.#liveEnvironments() >= this.#maxEnvironments) return;
    }
  }

  /**
   * One retry timer per function however many of its events were throttled meanwhile (each used to schedule its own,
   * thousands under a flood): the queue is drained again once, shortly after.
   */
  #retryThrottled(functionName: string): void {
    if (this.#throttleRetries.has(functionName)) return;
    this.#throttleRetries.add(functionName);
    this.#later(() => {
      this.#throttleRetries.delete(functionName);
      this.#drain(functionName);
    }, 100);
  }

  /** Timers pending now (retries and throttle retries), for tests of their bound. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #later(run: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  /** An event that failed every attempt or grew too old: to the on-failure destination, else logged and dropped. */
  #discard(fn: FunctionConfiguration, event: AsyncEvent, condition: 'RetriesExhausted' | 'EventAgeExceeded', result: InvokeResult | undefined): void {
    const destination = fn.asyncConfig.onFailureDestination;
    this.options.logger.log({
      level: 'error',
      message: `asynchronous invocation of ${fn.functionName} discarded (${condition})`,
      requestId: event.requestId,
      attempts: event.attempts,
      ...(destination ? { destination } : {}),
    });
    if (!destination || !this.options.sendToDestination) return;
    // "Configuring destinations for asynchronous invocation": the invocation record sent to an on-failure destination.
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: event.requestId, functionArn: `${fn.functionArn}:$LATEST`, condition, approximateInvokeCount: event.attempts },
      requestPayload: JSON.parse(event.payload) as unknown,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(result?.status === 'function-error' ? { functionError: 'Unhandled' } : {}) },
      responsePayload: result ? (JSON.parse(result.payload) as unknown) : null,
    };
    const sending = this.options
      .sendToDestination(destination, fn.role, JSON.stringify(record))
      .catch((error: unknown) =>
        this.options.logger.log({
          level: 'error',
          message: `the on-failure destination of ${fn.functionName} refused the record`,
          destination,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.#asyncInFlight.delete(sending));
    this.#asyncInFlight.add(sending);
  }
}
