/**
 * DynamoDB Time to Live on top of dynalite, which has no UpdateTimeToLive and answers DescribeTimeToLive DISABLED:
 * the local store's front keeps each table's setting (in a file beside the data when there is a data folder) and
 * answers both operations, and a sweeper deletes expired items in the background, a bounded amount of work per tick.
 *
 * DynamoDB rules followed (API reference, UpdateTimeToLive and DescribeTimeToLive; developer guide, "Time to Live"):
 * - UpdateTimeToLive takes `TimeToLiveSpecification {Enabled, AttributeName}` (AttributeName 1-255 characters) and
 *   answers it back. "It can take up to one hour for the change to fully process. Any additional UpdateTimeToLive calls
 *   for the same table during this one hour duration result in a ValidationException." Enabling TTL that is enabled,
 *   or disabling TTL that is disabled, is a ValidationException too ("TimeToLive is already enabled/disabled").
 * - "If the epoch time value stored in the attribute is less than the current time, the item is marked as expired
 *   and subsequently deleted": the attribute must be a Number of epoch seconds; other types, and items without it, are
 *   never deleted. Items whose time is more than five years in the past are not deleted either (howitworks-ttl.html;
 *   that sentence is not in the copy of the guide available here: unverified, and the safe side).
 * - "DynamoDB typically deletes expired items within two days of expiration ... Items that have expired and not been
 *   deleted will still show up in reads, queries, and scans." The sweeper deletes them much sooner, but as in AWS, a
 *   read between expiry and deletion still sees them: clients filter on the attribute if they must not.
 * - A deletion is conditional on the item still being expired, so an item updated meanwhile (a new TTL) survives;
 *   deleted items leave the table's indexes with them.
 * Not emulated: the change taking up to an hour (the setting applies at once), TTL deletions in streams.
 */

import { SavedTtlSettings, type TtlSetting } from './time-to-live-settings.js';
import type { DynaliteConnection } from './wire.js';
import { DynamoProtocolError, validationError } from './wire.js';

/** "Any additional UpdateTimeToLive calls for the same table during this one hour duration result in a ValidationException." */
const CHANGE_INTERVAL_MS = 3_600_000;
/** Items expired more than five years ago are not deleted (see the header). */
const FIVE_YEARS_SECONDS = 5 * 365 * 86_400;

export interface TtlSweepOptions {
  /** How often the sweeper runs (default 1000 ms). */
  intervalMs?: number;
  /** Items examined at most per run, over all tables (default 100): the bound on the work of one tick. */
  itemsPerTick?: number;
  now?: () => Date;
  /** A sweep that failed (it is tried again at the next tick); written to stderr by default. */
  onError?: (error: unknown) => void;
}

/** Serialises a call with the front's other requests (never inside a transaction). */
export type Gate = <T>(task: () => Promise<T>) => Promise<T>;

export class TimeToLive {
  readonly #settings: SavedTtlSettings;
  readonly #now: () => Date;
  readonly #intervalMs: number;
  readonly #itemsPerTick: number;
  readonly #onError: (error: unknown) => void;
  /** Where the scan of each table stopped (its LastEvaluatedKey), so each tick goes on from there. */
  readonly #cursors = new Map<string, Record<string, unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #next = 0;

  constructor(
    private readonly dynalite: DynaliteConnection,
    private readonly gate: Gate,
    file: string | undefined,
    options: TtlSweepOptions = {},
  ) {
    this.#settings = SavedTtlSettings.open(file);
    this.#now = options.now ?? (() => new Date());
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#itemsPerTick = options.itemsPerTick ?? 100;
    this.#onError = options.onError ?? ((error) => process.stderr.write(`local DynamoDB: TTL sweep failed: ${String(error)}\n`));
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.sweep()
        .then(
          () => undefined,
          (error: unknown) => this.#onError(error),
        )
        .finally(() => {
          this.#running = undefined;
        });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#running;
  }

  /** UpdateTimeToLive: the table must exist (dynalite answers ResourceNotFoundException otherwise). */
  async update(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const tableName = typeof input.TableName === 'string' ? input.TableName : undefined;
    if (tableName === undefined)
      throw validationError("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    const spec = input.TimeToLiveSpecification as { Enabled?: unknown; AttributeName?: unknown } | undefined;
    if (typeof spec !== 'object' || spec === null)
      throw validationError("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
    if (typeof spec.Enabled !== 'boolean')
      throw validationError(
        "1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null",
      );
    if (typeof spec.AttributeName !== 'string' || spec.AttributeName.length < 1 || spec.AttributeName.length > 255)
      throw validationError(
        "1 validation error detected: Value at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255",
      );
    await this.gate(() => this.dynalite.call('DescribeTable', { TableName: tableName }));
    const current = this.#settings.get(tableName);
    const now = this.#now().getTime();
    if (spec.Enabled && current?.enabled) throw validationError('TimeToLive is already enabled');
    if (!spec.Enabled && !current?.enabled) throw validationError('TimeToLive is already disabled');
    if (current && now - current.changedAt < CHANGE_INTERVAL_MS) throw validationError('Time to live has been modified multiple times within a fixed interval');
    if (!spec.Enabled && current?.attributeName !== spec.AttributeName)
      throw validationError(`TimeToLive is enabled on the attribute ${current?.attributeName}, not ${spec.AttributeName}`);
    this.#settings.set(tableName, { enabled: spec.Enabled, attributeName: spec.AttributeName, changedAt: now });
    this.#cursors.delete(tableName);
    return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
  }

  /** DescribeTimeToLive: ENABLED with the attribute, or DISABLED. */
  async describe(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const tableName = typeof input.TableName === 'string' ? input.TableName : undefined;
    if (tableName === undefined)
      throw validationError("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    await this.gate(() => this.dynalite.call('DescribeTable', { TableName: tableName }));
    const setting = this.#settings.get(tableName);
    return {
      TimeToLiveDescription: setting?.enabled ? { TimeToLiveStatus: 'ENABLED', AttributeName: setting.attributeName } : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  /** A table was deleted: its setting goes with it. */
  forget(tableName: string): void {
    this.#settings.delete(tableName);
    this.#cursors.delete(tableName);
  }

  /** One tick: examines at most `itemsPerTick` items of the tables with TTL, in turn, and deletes the expired ones. */
  async sweep(): Promise<number> {
    const tables = this.#settings.enabled();
    let budget = this.#itemsPerTick;
    let deleted = 0;
    for (let visited = 0; visited < tables.length && budget > 0; visited += 1) {
      const [tableName, setting] = tables[this.#next++ % tables.length]!;
      try {
        const result = await this.#sweepTable(tableName, setting, budget);
        budget -= result.examined;
        deleted += result.deleted;
      } catch (error) {
        if (error instanceof DynamoProtocolError && error.code === 'ResourceNotFoundException') this.forget(tableName);
        else throw error;
      }
    }
    return deleted;
  }

  async #sweepTable(tableName: string, setting: TtlSetting, limit: number): Promise<{ examined: number; deleted: number }> {
    const nowSeconds = Math.floor(this.#now().getTime() / 1000);
    const expired = {
      ExpressionAttributeNames: { '#ttl': setting.attributeName },
      ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':oldest': { N: String(nowSeconds - FIVE_YEARS_SECONDS) } },
    };
    const start = this.#cursors.get(tableName);
    const page = await this.gate(() =>
      this.dynalite.call('Scan', {
        TableName: tableName,
        Limit: limit,
        ConsistentRead: true,
        // A Number below now (a value of another type never compares), at most five years old.
        FilterExpression: '#ttl < :now AND #ttl >= :oldest',
        ...expired,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    if (last) this.#cursors.set(tableName, last);
    else this.#cursors.delete(tableName);
    const items = (page.Items ?? []) as Array<Record<string, unknown>>;
    if (items.length === 0) return { examined: Number(page.ScannedCount ?? 0), deleted: 0 };
    const keyNames = await this.#keyNames(tableName);
    let deleted = 0;
    for (const item of items) {
      const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
      try {
        await this.gate(() =>
          this.dynalite.call('DeleteItem', { TableName: tableName, Key: key, ConditionExpression: '#ttl < :now AND #ttl >= :oldest', ...expired }),
        );
        deleted += 1;
      } catch (error) {
        // Updated meanwhile (a new TTL, or deleted): not expired any more, so it stays.
        if (!(error instanceof DynamoProtocolError && error.code === 'ConditionalCheckFailedException')) throw error;
      }
    }
    return { examined: Math.max(1, Number(page.ScannedCount ?? items.length)), deleted };
  }

  async #keyNames(tableName: string): Promise<string[]> {
    const output = await this.gate(() => this.dynalite.call('DescribeTable', { TableName: tableName }));
    const schema = ((output.Table as { KeySchema?: unknown } | undefined)?.KeySchema ?? []) as Array<{ AttributeName?: unknown }>;
    return schema.flatMap((k) => (typeof k.AttributeName === 'string' ? [k.AttributeName] : []));
  }
}
