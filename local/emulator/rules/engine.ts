/**
 * The IoT rules engine, locally: topic rules whose SQL (the subset of sql.ts) is evaluated against every message the
 * broker routes, broker-originated ones such as lifecycle events on `$aws/events/presence/...` included, and whose one
 * action is a Lambda action. What it follows ("Rules for AWS IoT" and "Lambda" rule action, AWS IoT developer guide):
 * - A rule is created with a name of 1-128 `[a-zA-Z0-9_]` (CreateTopicRule), an SQL version and its SQL; SQL the
 *   engine cannot run is refused at creation (IoT answers CreateTopicRule with SqlParseException), never accepted to
 *   match nothing.
 * - "A Lambda action invokes an AWS Lambda function, passing in an MQTT message. AWS IoT invokes Lambda functions
 *   asynchronously": the publish never waits for the function, and a failing function fails only its invocation (it is
 *   logged here; Lambda's own retries of asynchronous invocations are not emulated).
 * - The Lambda action cannot take binary payloads ("SELECT clause", Working with binary payloads): `SELECT *` of a
 *   payload that is not JSON fails the action.
 */
import type { EmulatorLogger } from '../log.js';
import { evaluateRule, type JsonValue } from './evaluate.js';
import { parseRuleSql, type RuleSql, RuleSqlError } from './sql.js';

/** Every message the broker routes, as the broker reports it (IotBroker.onPublished); returns the unsubscribe. */
export interface RoutedMessages {
  onPublished(listener: (topic: string, payload: Buffer) => void): () => void;
}

/** A function a Lambda action may invoke: called with the rule's outgoing JSON as its event. */
export type RuleTargetFunction = (event: { [key: string]: JsonValue }) => Promise<unknown>;

export interface TopicRuleInput {
  name: string;
  sql: string;
  sqlVersion: string;
  /** The Lambda action's function, by name. */
  lambda: string;
}

export interface RulesEngineOptions {
  source: RoutedMessages;
  /** The functions Lambda actions may name. */
  functions: Readonly<Record<string, RuleTargetFunction>>;
  logger: EmulatorLogger;
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
  sql: RuleSql;
  lambda: string;
  target: RuleTargetFunction;
}

export class RulesEngine {
  readonly #rules = new Map<string, Rule>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #unsubscribe: () => void;

  constructor(private readonly options: RulesEngineOptions) {
    this.#unsubscribe = options.source.onPublished((topic, payload) => this.#route(topic, payload));
  }

  /** Creates the rule or throws RuleDefinitionError; from then on every matching message runs its action. */
  createRule(input: TopicRuleInput): void {
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
    const target = this.options.functions[input.lambda];
    if (target === undefined)
      throw new RuleDefinitionError(`rule ${input.name}: its Lambda action names ${JSON.stringify(input.lambda)}, which is not a function of this stack`);
    this.#rules.set(input.name, { name: input.name, sql, lambda: input.lambda, target });
    this.options.logger.log({ level: 'debug', message: 'topic rule created', rule: input.name, from: sql.from, function: input.lambda });
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

  /** Runs on the broker's publish path: matching and evaluation only (cheap, the topic is matched first), never throws. */
  #route(topic: string, payload: Buffer): void {
    for (const rule of this.#rules.values()) {
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
      if (Buffer.isBuffer(result.output)) {
        this.options.logger.log({
          level: 'error',
          message: 'topic rule action failed: a Lambda action needs a JSON payload',
          rule: rule.name,
          topic,
          function: rule.lambda,
        });
        continue;
      }
      this.#invoke(rule, topic, result.output);
    }
  }

  #invoke(rule: Rule, topic: string, event: { [key: string]: JsonValue }): void {
    const { logger } = this.options;
    // Asynchronous, as IoT invokes Lambda actions: after the broker has finished routing the message.
    const invocation = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => rule.target(event))
      .then(
        () => logger.log({ level: 'debug', message: 'topic rule action invoked', rule: rule.name, topic, function: rule.lambda }),
        (error: unknown) =>
          logger.log({
            level: 'error',
            message: 'topic rule action failed',
            rule: rule.name,
            topic,
            function: rule.lambda,
            error: error instanceof Error ? error.message : String(error),
          }),
      )
      .finally(() => this.#inFlight.delete(invocation));
    this.#inFlight.add(invocation);
  }
}
