/**
 * The IoT rules engine, locally: topic rules whose SQL (the subset of sql.ts) is evaluated against every message the
 * broker routes, broker-originated ones such as lifecycle events on `$aws/events/presence/...` included, and whose one
 * action is a Lambda action or an SQS action. What it follows ("Rules for AWS IoT", "Lambda" and "SQS" rule actions,
 * AWS IoT developer guide):
 * - A rule is created with a name of 1-128 `[a-zA-Z0-9_]` (CreateTopicRule), an SQL version and its SQL; SQL the
 *   engine cannot run is refused at creation (IoT answers CreateTopicRule with SqlParseException), never accepted to
 *   match nothing.
 * - "A Lambda action invokes an AWS Lambda function, passing in an MQTT message. AWS IoT invokes Lambda functions
 *   asynchronously": the publish never waits for the function. IoT invokes as `iot.amazonaws.com` with the rule's ARN
 *   as source, so the function's resource-based policy must allow it (aws_lambda_permission); a function that fails is
 *   Lambda's business (its asynchronous retries and on-failure destination, see services/lambda).
 * - "The SQS (sqs) action sends data from an MQTT message to an Amazon SQS queue", with "an IAM role that AWS IoT can
 *   assume to perform the sqs:SendMessage operation": the rule's output is the message body (the selected JSON as
 *   text; with `useBase64` the base64 of those bytes), sent as IoT with that role (its trust must allow
 *   iot.amazonaws.com, its policy sqs:SendMessage on the queue). A binary output without `useBase64` is sent only if
 *   it is text SQS accepts (UTF-8 of the characters SendMessage allows); otherwise the action fails, as SendMessage
 *   would refuse it (InvalidMessageContents). IoT messages are at most 128 KB, so a body (base64 included) stays
 *   under SQS's 256 KiB default message size.
 * - "Error handling (error action)": when an action cannot be performed (the invocation is refused: no permission, no
 *   function, throttled; the queue or the role refuses the message), the rule's error action runs with the documented
 *   message (ruleName, topic, base64OriginalPayload, failures[{failedAction, failedResource, errorMessage}]). The SQS
 *   error action sends it with the role the rule names, as the SQS action does.
 * - The Lambda action cannot take binary payloads ("SELECT clause", Working with binary payloads): `SELECT *` of a
 *   payload that is not JSON fails the action.
 * - A disabled rule (`enabled = false`) matches nothing.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorLogger } from '../log.js';
import { sqsBodyProblem } from '../services/sqs/message-body.js';
import { evaluateRule, type JsonValue } from './evaluate.js';
import { parseRuleSql, type RuleSql, RuleSqlError } from './sql.js';

/** Every message the broker routes, as the broker reports it (IotBroker.onPublished); returns the unsubscribe. */
export interface RoutedMessages {
  onPublished(listener: (topic: string, payload: Buffer) => void): () => void;
}

/** How the engine reaches the services its actions use (the emulator's Lambda and SQS, with IoT's identity). */
export interface RuleActionTargets {
  /** Invokes asynchronously as iot.amazonaws.com from the rule; throws when Lambda refuses the invocation. */
  invokeLambda(functionArn: string, event: { [key: string]: JsonValue }, ruleArn: string): void;
  /** An SQS action (or error action): sends `body` to the queue as IoT with the role (rejects when the role or queue refuses). */
  sendToQueue(action: SqsAction, body: string): Promise<void>;
}

/** An SQS rule action (SqsAction of the IoT API): queueUrl, roleArn, useBase64. */
export interface SqsAction {
  queueUrl: string;
  roleArn: string;
  useBase64: boolean;
}

/** The rule's one action. */
export type RuleAction = { lambda: { functionArn: string } } | { sqs: SqsAction };

export interface TopicRuleInput {
  name: string;
  sql: string;
  sqlVersion: string;
  enabled: boolean;
  action: RuleAction;
  errorAction?: { sqs: SqsAction };
}

export interface RulesEngineOptions {
  source: RoutedMessages;
  targets: RuleActionTargets;
  logger: EmulatorLogger;
  region: string;
  accountId: string;
}

/** A rule that cannot be created: its name, SQL version, SQL or action is not acceptable (the message says which). */
export class RuleDefinitionError extends Error {
  override readonly name = 'RuleDefinitionError';
}

/** IoT: CreateTopicRule's ruleName pattern and length. */
const RULE_NAME = /^[a-zA-Z0-9_]{1,128}$/;
/** IoT: the SQL versions of the rules engine ("SQL versions"); the subset means the same in both. */
const SQL_VERSIONS = new Set(['2015-10-08', '2016-03-23']);

interface Rule {
  name: string;
  arn: string;
  sql: RuleSql;
  enabled: boolean;
  action: RuleAction;
  errorAction?: { sqs: SqsAction };
}

/**
 * IoT: what the error message names as the failed action and resource ("Error action message format"). The page's only
 * example is S3's, whose failedResource is the bucket as the action names it; AWS does not document SQS's, so it is
 * the queue as the SQS action names it (its queueUrl), and a Lambda action's the function ARN it names.
 */
function describeAction(action: RuleAction): { failedAction: string; failedResource: string } {
  return 'lambda' in action
    ? { failedAction: 'LambdaAction', failedResource: action.lambda.functionArn }
    : { failedAction: 'SqsAction', failedResource: action.sqs.queueUrl };
}

/** The SQS body of a rule's output, or why SendMessage would refuse it. */
function sqsBody(output: Buffer | { [key: string]: JsonValue }, useBase64: boolean): { body: string } | { problem: string } {
  const bytes = Buffer.isBuffer(output) ? output : Buffer.from(JSON.stringify(output), 'utf8');
  if (useBase64) return { body: bytes.toString('base64') };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'InvalidMessageContents: the payload is not UTF-8 text (set useBase64 to send binary payloads)' };
  }
  const problem = sqsBodyProblem(text);
  return problem ? { problem } : { body: text };
}

export class RulesEngine {
  readonly #rules = new Map<string, Rule>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #unsubscribe: () => void;

  constructor(private readonly options: RulesEngineOptions) {
    this.#unsubscribe = options.source.onPublished((topic, payload) => this.#route(topic, payload));
  }

  /** Creates the rule or throws RuleDefinitionError; from then on every matching message runs its action. */
  createRule(input: TopicRuleInput): { arn: string } {
    if (!RULE_NAME.test(input.name)) throw new RuleDefinitionError(`invalid rule name ${JSON.stringify(input.name)}: 1-128 letters, digits or "_"`);
    if (this.#rules.has(input.name)) throw new RuleDefinitionError(`a rule named ${input.name} already exists`);
    if (!SQL_VERSIONS.has(input.sqlVersion))
      throw new RuleDefinitionError(`rule ${input.name}: unknown SQL version ${JSON.stringify(input.sqlVersion)} (${[...SQL_VERSIONS].join(' or ')})`);
    let sql: RuleSql;
    try {
      sql = parseRuleSql(input.sql);
    } catch (error) {
      if (error instanceof RuleSqlError) throw new RuleDefinitionError(`rule ${input.name}: ${error.message}`, { cause: error });
      throw error;
    }
    this.#checkAction(input.name, input.action);
    if (input.errorAction) this.#checkAction(input.name, input.errorAction, 'error action');
    const arn = `arn:aws:iot:${this.options.region}:${this.options.accountId}:rule/${input.name}`;
    this.#rules.set(input.name, {
      name: input.name,
      arn,
      sql,
      enabled: input.enabled,
      action: input.action,
      ...(input.errorAction ? { errorAction: input.errorAction } : {}),
    });
    this.options.logger.log({ level: 'debug', message: 'topic rule created', rule: input.name, from: sql.from, ...describeAction(input.action) });
    return { arn };
  }

  get ruleNames(): string[] {
    return [...this.#rules.keys()];
  }

  /** Resolves when every action started so far has finished (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops routing messages and waits for the actions in flight. */
  async close(): Promise<void> {
    this.#unsubscribe();
    await this.idle();
  }

  /** CreateTopicRule's checks of an action's arguments: a function ARN; a queue URL and a role ARN. */
  #checkAction(rule: string, action: RuleAction, what = 'action'): void {
    if ('lambda' in action) {
      if (!/^arn:aws:lambda:[^:]+:\d{12}:function:[a-zA-Z0-9-_]+$/.test(action.lambda.functionArn))
        throw new RuleDefinitionError(`rule ${rule}: its Lambda ${what}'s functionArn ${JSON.stringify(action.lambda.functionArn)} is not a function ARN`);
      return;
    }
    if (!URL.canParse(action.sqs.queueUrl) || !/^\/\d{12}\/[a-zA-Z0-9_-]{1,80}$/.test(new URL(action.sqs.queueUrl).pathname))
      throw new RuleDefinitionError(`rule ${rule}: its SQS ${what}'s queueUrl ${JSON.stringify(action.sqs.queueUrl)} is not a queue URL`);
    if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(action.sqs.roleArn))
      throw new RuleDefinitionError(`rule ${rule}: its SQS ${what}'s roleArn ${JSON.stringify(action.sqs.roleArn)} is not a role ARN`);
  }

  /** Runs on the broker's publish path: matching and evaluation only (cheap, the topic is matched first), never throws. */
  #route(topic: string, payload: Buffer): void {
    for (const rule of this.#rules.values()) {
      if (!rule.enabled) continue;
      let result: ReturnType<typeof evaluateRule>;
      try {
        result = evaluateRule(rule.sql, { topic, payload });
      } catch (error) {
        this.options.logger.log({
          level: 'error',
          message: 'topic rule evaluation failed',
          rule: rule.name,
          topic,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (!result.matched) continue;
      const { action } = rule;
      if ('sqs' in action) {
        const encoded = sqsBody(result.output, action.sqs.useBase64);
        if ('problem' in encoded) {
          this.#failed(rule, topic, payload, encoded.problem);
          continue;
        }
        this.#track(
          this.options.targets
            .sendToQueue(action.sqs, encoded.body)
            .catch((error: unknown) =>
              this.#failed(rule, topic, payload, `Failed to send message to SQS. ${error instanceof Error ? error.message : String(error)}`),
            ),
        );
        continue;
      }
      if (Buffer.isBuffer(result.output)) {
        this.#failed(rule, topic, payload, 'a Lambda action needs a JSON payload');
        continue;
      }
      try {
        this.options.targets.invokeLambda(action.lambda.functionArn, result.output, rule.arn);
      } catch (error) {
        this.#failed(rule, topic, payload, `Failed to invoke lambda function. ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** An action that could not be performed: logged, and handed to the rule's error action if it has one. */
  #failed(rule: Rule, topic: string, payload: Buffer, errorMessage: string): void {
    const { logger } = this.options;
    const failed = describeAction(rule.action);
    logger.log({ level: 'error', message: 'topic rule action failed', rule: rule.name, topic, ...failed, error: errorMessage });
    const sqs = rule.errorAction?.sqs;
    if (!sqs) return;
    // "Error action message format" (AWS IoT developer guide, "Error handling (error action)"). Its `clientId` (the
    // publisher's) is left out: the broker reports what it routes without the publishing client.
    const message = JSON.stringify({
      ruleName: rule.name,
      topic,
      cloudwatchTraceId: randomUUID(),
      base64OriginalPayload: payload.toString('base64'),
      failures: [{ ...failed, errorMessage }],
    });
    this.#track(
      this.options.targets.sendToQueue(sqs, sqs.useBase64 ? Buffer.from(message).toString('base64') : message).catch((error: unknown) =>
        logger.log({
          level: 'error',
          message: 'topic rule error action failed',
          rule: rule.name,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
    );
  }
}
