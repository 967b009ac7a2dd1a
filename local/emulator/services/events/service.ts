/**
 * Amazon EventBridge (AWS JSON 1.1 protocol, signing name `events`, `X-Amz-Target: AWSEvents.<Operation>`, as the SDK
 * v3 EventBridgeClient speaks it): the event buses, rules and targets the synthesized stack declares
 * (aws_cloudwatch_event_bus, _rule, _target), with SigV4 and IAM like the other services.
 *
 * Operations served: PutEvents and TestEventPattern. Buses, rules and targets are created by the applier
 * (local/deploy/resources/events.ts), with PutRule's and PutTargets' validation.
 * - PutEvents ("PutEvents", API reference): 1-10 entries; each is authorized as events:PutEvents on its bus's ARN (the
 *   Service Authorization Reference's event-bus resource type), with events:source and events:detail-type in the
 *   request context; a principal that may not is refused with AccessDeniedException. Each entry is checked (Source,
 *   DetailType and Detail required, Detail a JSON object, a Source starting with "aws." refused with
 *   NotAuthorizedForSourceException) and answered in order: an EventId, or an ErrorCode and ErrorMessage. The entries
 *   of one request total at most 256 KB ("Calculating PutEvents event entry size").
 * - Each accepted entry becomes an event ("Amazon EventBridge events": version, id, detail-type, source, account, time,
 *   region, resources, detail), is matched against the bus's enabled rules (pattern.ts) and delivered to their targets
 *   asynchronously (delivery.ts): a Lambda target is invoked asynchronously as events.amazonaws.com with the rule's ARN
 *   as source, so the function's resource-based policy must allow it (aws_lambda_permission).
 * - TestEventPattern: the same matcher; the event must carry id, account, source, time, region, resources and
 *   detail-type (API reference).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalAccount } from '../../account/account.js';
import { describePrincipal, type Principal } from '../../account/principal.js';
import { authenticateRequest } from '../../http/authenticate.js';
import { sendJson } from '../../http/io.js';
import { ServiceError } from '../../http/service-error.js';
import { denied, type EmulatorLogger } from '../../log.js';
import type { MessageAttributeValue } from '../sqs/queue.js';
import { DeliveryQueue, type DeliveryTarget, type RetryPolicy, TargetInvocationError } from './delivery.js';
import { type CompiledPattern, compileEventPattern, InvalidEventPatternError, matchesEventPattern } from './pattern.js';

/** PutEvents: 1-10 entries; their total size at most 256 KB. */
const MAX_ENTRIES = 10;
const MAX_ENTRIES_BYTES = 256 * 1024;
/** PutRule Name and PutTargets Id: `[\.\-_A-Za-z0-9]+`, 1-64. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;
/** CreateEventBus Name: `[/\.\-_A-Za-z0-9]+`, 1-256; a custom bus may not be named "default" or start with "aws.". */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** PutTargets: at most 5 targets per rule ("Amazon EventBridge quotas"). */
const MAX_TARGETS_PER_RULE = 5;
const LAMBDA_ARN = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})$/;
const SQS_ARN = /^arn:aws:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80})$/;
/** EventBusName: a bus's name or its ARN (PutEventsRequestEntry EventBusName). */
const BUS_ARN = /^arn:aws:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256}$/;

export interface EventBus {
  name: string;
  arn: string;
  rules: Map<string, EventRule>;
}

export interface EventRule {
  name: string;
  arn: string;
  bus: EventBus;
  pattern: CompiledPattern;
  patternText: string;
  enabled: boolean;
  targets: Map<string, DeliveryTarget>;
}

/** The Lambda service as EventBridge uses it. */
export interface LambdaInvoker {
  invokeAsyncAsService(functionName: string, payload: string, caller: { service: string; sourceArn?: string; sourceAccount?: string }): string;
}

export interface EventsServiceOptions {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  lambda: LambdaInvoker;
  /** Sends a dead-letter record as events.amazonaws.com (the queue's policy decides). */
  sendDeadLetter(
    queueArn: string,
    caller: { service: string; sourceArn: string; sourceAccount: string },
    body: string,
    attributes: Record<string, MessageAttributeValue>,
  ): void;
  /** Local shortcut: the first retry's back-off (doubling from there). */
  retryBaseDelayMs?: number;
  /** Deliveries waiting or running at most. */
  maxPendingDeliveries?: number;
}

/** A PutRule / PutTargets / CreateEventBus the applier asked for and EventBridge would refuse. */
export class EventsConfigurationError extends Error {
  override readonly name = 'EventsConfigurationError';
  constructor(
    /** EventBridge's error code (ValidationException, ResourceNotFoundException, ...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The RetryPolicy EventBridge applies when a target sets none ("24 hours and up to 185 times"). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };

export class EventsService {
  readonly #buses = new Map<string, EventBus>();
  readonly deliveries: DeliveryQueue;

  constructor(private readonly options: EventsServiceOptions) {
    const { account } = options;
    this.deliveries = new DeliveryQueue({
      logger: options.logger,
      now: () => options.now().getTime(),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
      maxPending: options.maxPendingDeliveries ?? 10_000,
      invoke: async (target, ruleArn, event) => this.#invoke(target, ruleArn, event),
      sendDeadLetter: async (queueArn, ruleArn, body, attributes) =>
        options.sendDeadLetter(queueArn, { service: 'events.amazonaws.com', sourceArn: ruleArn, sourceAccount: account.accountId }, body, attributes),
    });
    // Every account has its default bus.
    this.#buses.set('default', this.#newBus('default'));
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.options.account.region}:${this.options.account.accountId}:event-bus/${name}`;
  }

  bus(nameOrArn: string): EventBus | undefined {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(this.busArn('').length) : nameOrArn;
    const bus = this.#buses.get(name);
    return bus && (nameOrArn.startsWith('arn:') ? bus.arn === nameOrArn : true) ? bus : undefined;
  }

  /** CreateEventBus (custom buses). */
  createEventBus(name: string): EventBus {
    if (!BUS_NAME.test(name))
      throw new EventsConfigurationError('ValidationException', `event bus name ${JSON.stringify(name)} must be 1-256 of [/.\\-_A-Za-z0-9]`);
    if (name === 'default' || name.startsWith('aws.')) throw new EventsConfigurationError('ValidationException', `a custom event bus cannot be named ${name}`);
    if (this.#buses.has(name)) throw new EventsConfigurationError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus = this.#newBus(name);
    this.#buses.set(name, bus);
    return bus;
  }

  /** PutRule with an event pattern (scheduled rules are not emulated). */
  putRule(input: { name: string; busName: string; pattern: string; enabled: boolean }): EventRule {
    if (!RULE_NAME.test(input.name))
      throw new EventsConfigurationError('ValidationException', `rule name ${JSON.stringify(input.name)} must be 1-64 of [.\\-_A-Za-z0-9]`);
    const bus = this.bus(input.busName);
    if (!bus) throw new EventsConfigurationError('ResourceNotFoundException', `Event bus ${input.busName} does not exist.`);
    if (bus.rules.has(input.name)) throw new EventsConfigurationError('ResourceAlreadyExistsException', `Rule ${input.name} already exists on ${bus.name}.`);
    let pattern: CompiledPattern;
    try {
      pattern = compileEventPattern(input.pattern);
    } catch (error) {
      if (error instanceof InvalidEventPatternError) throw new EventsConfigurationError('InvalidEventPatternException', error.message);
      throw error;
    }
    const { region, accountId } = this.options.account;
    const arn =
      bus.name === 'default'
        ? `arn:aws:events:${region}:${accountId}:rule/${input.name}`
        : `arn:aws:events:${region}:${accountId}:rule/${bus.name}/${input.name}`;
    const rule: EventRule = { name: input.name, arn, bus, pattern, patternText: input.pattern, enabled: input.enabled, targets: new Map() };
    bus.rules.set(input.name, rule);
    return rule;
  }

  rule(busName: string, ruleName: string): EventRule | undefined {
    return this.bus(busName)?.rules.get(ruleName);
  }

  /** PutTargets: Lambda function targets (the only kind emulated), each with its retry policy and dead-letter queue. */
  putTarget(rule: EventRule, target: { id: string; arn: string; retryPolicy?: Partial<RetryPolicy>; deadLetterArn?: string }): DeliveryTarget {
    if (!TARGET_ID.test(target.id))
      throw new EventsConfigurationError('ValidationException', `target id ${JSON.stringify(target.id)} must be 1-64 of [.\\-_A-Za-z0-9]`);
    if (!rule.targets.has(target.id) && rule.targets.size >= MAX_TARGETS_PER_RULE)
      throw new EventsConfigurationError('LimitExceededException', `a rule has at most ${MAX_TARGETS_PER_RULE} targets`);
    if (!LAMBDA_ARN.test(target.arn)) throw new EventsConfigurationError('ValidationException', `only Lambda function targets are emulated, got ${target.arn}`);
    const retry = { ...DEFAULT_RETRY_POLICY, ...target.retryPolicy };
    if (!Number.isInteger(retry.maximumRetryAttempts) || retry.maximumRetryAttempts < 0 || retry.maximumRetryAttempts > 185)
      throw new EventsConfigurationError('ValidationException', 'RetryPolicy MaximumRetryAttempts must be 0-185');
    if (!Number.isInteger(retry.maximumEventAgeSeconds) || retry.maximumEventAgeSeconds < 60 || retry.maximumEventAgeSeconds > 86_400)
      throw new EventsConfigurationError('ValidationException', 'RetryPolicy MaximumEventAgeInSeconds must be 60-86400');
    if (target.deadLetterArn !== undefined) {
      const match = SQS_ARN.exec(target.deadLetterArn);
      // "The Amazon SQS queue you use must be in the same Region in which you create the rule"; FIFO queues are refused.
      if (!match || match[1] !== this.options.account.region || target.deadLetterArn.endsWith('.fifo'))
        throw new EventsConfigurationError(
          'ValidationException',
          `the dead-letter queue ${target.deadLetterArn} must be a standard SQS queue of ${this.options.account.region}`,
        );
    }
    const created: DeliveryTarget = {
      id: target.id,
      arn: target.arn,
      retryPolicy: retry,
      ...(target.deadLetterArn ? { deadLetterArn: target.deadLetterArn } : {}),
    };
    rule.targets.set(target.id, created);
    return created;
  }

  /** Resolves when no delivery is waiting or running (tests). */
  idle(): Promise<void> {
    return this.deliveries.idle();
  }

  close(): void {
    this.deliveries.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    try {
      let principal: Principal;
      try {
        principal = authenticateRequest(req, body, 'events', this.options.account, this.options.now());
      } catch (error) {
        if (error instanceof ServiceError) throw new ServiceError(error.status === 403 ? 403 : 400, error.code, error.message);
        throw error;
      }
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSEvents\./, '');
      if (req.method !== 'POST' || (operation !== 'PutEvents' && operation !== 'TestEventPattern'))
        throw new ServiceError(
          400,
          'UnknownOperationException',
          `${operation || '(no X-Amz-Target)'} is not an EventBridge operation the emulator implements (PutEvents, TestEventPattern)`,
        );
      let input: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        throw new ServiceError(400, 'SerializationException', 'the request body must be a JSON object');
      }
      const output = operation === 'PutEvents' ? this.#putEvents(input, principal) : this.#testEventPattern(input, principal);
      sendJson(res, 200, output, { 'x-amzn-requestid': requestId, 'content-type': 'application/x-amz-json-1.1' });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendJson(
        res,
        error.status,
        { __type: error.code, message: error.message },
        { 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code, 'content-type': 'application/x-amz-json-1.1' },
      );
    }
  }

  #putEvents(input: Record<string, unknown>, principal: Principal): unknown {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES)
      throw new ServiceError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    const parsed = entries.map((raw: unknown) => (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {}));
    const size = parsed.reduce((n, e) => n + entrySize(e), 0);
    if (size > MAX_ENTRIES_BYTES) throw new ServiceError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    // IAM first, for every bus the request names: a principal that may not put events there learns nothing more.
    for (const entry of parsed) {
      const busName = typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
      if (!(busName.startsWith('arn:') ? BUS_ARN : BUS_NAME).test(busName))
        throw new ServiceError(
          400,
          'ValidationException',
          `Value ${JSON.stringify(busName.slice(0, 300))} at 'eventBusName' failed to satisfy constraint: it must be an event bus name or ARN`,
        );
      const busArn = busName.startsWith('arn:') ? busName : this.busArn(busName);
      this.#authorize(principal, 'events:PutEvents', { 'event-bus': busArn }, busArn, {
        ...(typeof entry.Source === 'string' ? { 'events:source': entry.Source } : {}),
        ...(typeof entry.DetailType === 'string' ? { 'events:detail-type': entry.DetailType } : {}),
      });
      if (!this.bus(busName)) throw new ServiceError(400, 'ResourceNotFoundException', `Event bus ${busName} does not exist.`);
    }
    const results: Array<{ EventId: string } | { ErrorCode: string; ErrorMessage: string }> = [];
    for (const entry of parsed) {
      const result = this.#putEntry(entry);
      results.push(result);
    }
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  #putEntry(entry: Record<string, unknown>): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    const fail = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '')
        return fail('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
    const source = entry.Source as string;
    // "All events that come from AWS services begin with aws. Customer-generated events can have any value here, as long
    // as it doesn't begin with aws." (Event structure reference).
    if (source.startsWith('aws.')) return fail('NotAuthorizedForSourceException', 'Not authorized for the source.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      return fail('MalformedDetail', 'Detail is malformed.');
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return fail('MalformedDetail', 'Detail is malformed.');
    const resources = entry.Resources;
    if (resources !== undefined && (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')))
      return fail('InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.');
    const time = entry.Time === undefined ? this.options.now() : timeOf(entry.Time);
    if (time === undefined) return fail('InvalidArgument', 'Parameter Time is not valid.');
    const bus = this.bus(typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default')!;
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType as string,
      source,
      account: this.options.account.accountId,
      // "time": the event's timestamp, second precision as EventBridge writes it.
      time: `${time.toISOString().slice(0, 19)}Z`,
      region: this.options.account.region,
      resources: (resources as string[] | undefined) ?? [],
      detail,
    };
    const deliveries = [...bus.rules.values()]
      .filter((rule) => rule.enabled && matchesEventPattern(rule.pattern, event))
      .flatMap((rule) => [...rule.targets.values()].map((target) => ({ rule, target })));
    if (!this.deliveries.hasRoom(deliveries.length))
      return fail('ThrottlingException', 'Rate exceeded. (the local EventBridge has too many deliveries in progress)');
    const text = JSON.stringify(event);
    for (const { rule, target } of deliveries) this.deliveries.deliver(rule.arn, target, text);
    return { EventId: event.id };
  }

  #testEventPattern(input: Record<string, unknown>, principal: Principal): unknown {
    this.#authorize(principal, 'events:TestEventPattern', {}, '*', {});
    if (typeof input.EventPattern !== 'string') throw new ServiceError(400, 'ValidationException', 'EventPattern is required.');
    if (typeof input.Event !== 'string') throw new ServiceError(400, 'ValidationException', 'Event is required.');
    let pattern: CompiledPattern;
    try {
      pattern = compileEventPattern(input.EventPattern);
    } catch (error) {
      if (error instanceof InvalidEventPatternError) throw new ServiceError(400, 'InvalidEventPatternException', error.message);
      throw error;
    }
    let event: unknown;
    try {
      event = JSON.parse(input.Event);
    } catch {
      throw new ServiceError(400, 'InvalidEventPatternException', 'Event is not valid JSON.');
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw new ServiceError(400, 'InvalidEventPatternException', 'Event must be a JSON object.');
    const missing = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'].filter((f) => !(f in event));
    if (missing.length > 0) throw new ServiceError(400, 'InvalidEventPatternException', `Parameter Event is not valid. Reason: missing ${missing.join(', ')}.`);
    return { Result: matchesEventPattern(pattern, event) };
  }

  #authorize(principal: Principal, action: string, involved: Record<string, string>, resource: string, context: Record<string, string>): void {
    const decision = this.options.account.authorizeAction(principal, action, involved, context);
    if (decision.allowed) return;
    denied(this.options.logger, { service: 'events', who: describePrincipal(principal), action, resource: decision.resource, reason: decision.reason });
    throw new ServiceError(
      400,
      'AccessDeniedException',
      `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    );
  }

  /** A Lambda target: asynchronously, as events.amazonaws.com for this rule; Lambda's refusals become DLQ error codes. */
  async #invoke(target: DeliveryTarget, ruleArn: string, event: string): Promise<void> {
    try {
      this.options.lambda.invokeAsyncAsService(target.arn, event, {
        service: 'events.amazonaws.com',
        sourceArn: ruleArn,
        sourceAccount: this.options.account.accountId,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      if (code === 'AccessDeniedException') throw new TargetInvocationError('NO_PERMISSIONS', message, false);
      if (code === 'ResourceNotFoundException') throw new TargetInvocationError('NO_RESOURCE', message, false);
      if (code === 'TooManyRequestsException') throw new TargetInvocationError('THROTTLING', message, true);
      throw new TargetInvocationError('INTERNAL_ERROR', message, true);
    }
  }

  #newBus(name: string): EventBus {
    return { name, arn: this.busArn(name), rules: new Map() };
  }
}

/**
 * An entry's size as EventBridge counts it ("Calculating PutEvents event entry size"): 14 bytes for Time if present,
 * and the UTF-8 bytes of Source, DetailType, Detail and each resource.
 */
function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce((n: number, r: unknown) => n + bytes(r), 0) : 0;
  return (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

/** Time as the JSON protocol sends a timestamp: epoch seconds (a number), or an ISO 8601 string. */
function timeOf(value: unknown): Date | undefined {
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
