/**
 * The TTL setting of each table of the local store, kept beside its data (`time-to-live.json` in the data folder:
 * LevelDB ignores files it did not name) so a restart on the same folder keeps them, as DynamoDB does. Written at
 * each change (they are rare: UpdateTimeToLive admits one an hour per table) to a temporary file renamed over the old.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TtlSetting {
  enabled: boolean;
  attributeName: string;
  /** Epoch ms of the last UpdateTimeToLive (one change an hour). */
  changedAt: number;
}

export const TTL_SETTINGS_FILE = 'time-to-live.json';

export class SavedTtlSettings {
  private constructor(
    readonly file: string | undefined,
    private readonly settings: Map<string, TtlSetting>,
  ) {}

  /** The settings kept in `dir` (none when it holds no file yet); in memory only without a folder. */
  static open(dir: string | undefined): SavedTtlSettings {
    const file = dir === undefined ? undefined : join(dir, TTL_SETTINGS_FILE);
    if (file === undefined || !existsSync(file)) return new SavedTtlSettings(file, new Map());
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); delete it and set TTL again`);
    }
    const tables = (parsed as { version?: unknown; tables?: unknown }).tables;
    if ((parsed as { version?: unknown }).version !== 1 || typeof tables !== 'object' || tables === null)
      throw new Error(`${file} is not a version-1 file of TTL settings; delete it and set TTL again`);
    return new SavedTtlSettings(file, new Map(Object.entries(tables as Record<string, TtlSetting>)));
  }

  get(tableName: string): TtlSetting | undefined {
    return this.settings.get(tableName);
  }

  /** Tables whose TTL is enabled, with their setting. */
  enabled(): Array<[string, TtlSetting]> {
    return [...this.settings].filter(([, setting]) => setting.enabled);
  }

  set(tableName: string, setting: TtlSetting): void {
    this.settings.set(tableName, setting);
    this.#save();
  }

  delete(tableName: string): void {
    if (this.settings.delete(tableName)) this.#save();
  }

  #save(): void {
    if (this.file === undefined) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: 1, tables: Object.fromEntries(this.settings) }));
    renameSync(temporary, this.file);
  }
}
