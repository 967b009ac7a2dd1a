/**
 * The request context: condition keys and policy-variable values of one request, looked up case-insensitively.
 *
 * IAM: "Context key names are not case-sensitive. For example, including the aws:SourceIP context key is equivalent to
 * testing for AWS:SourceIp" (IAM JSON policy elements: Condition); the same holds for variables: "Key names are
 * case-insensitive" (IAM policy elements: Variables and tags). Values keep their case; each operator decides.
 */

export type ContextValue = string | readonly string[] | boolean | undefined;

/** A single-valued key has one string; a multivalued key (an array) has a set, possibly empty. */
export type ContextEntry = { kind: 'single'; value: string } | { kind: 'multi'; values: readonly string[] };

export class RequestContext {
  readonly #entries: ReadonlyMap<string, ContextEntry>;

  private constructor(entries: ReadonlyMap<string, ContextEntry>) {
    this.#entries = entries;
  }

  static from(context: Readonly<Record<string, ContextValue>> | undefined): RequestContext {
    const entries = new Map<string, ContextEntry>();
    const spelledAs = new Map<string, string>();
    for (const [key, value] of Object.entries(context ?? {})) {
      if (value === undefined) continue;
      const entry: ContextEntry =
        typeof value === 'string'
          ? { kind: 'single', value }
          : typeof value === 'boolean'
            ? { kind: 'single', value: String(value) }
            : { kind: 'multi', values: [...value] };
      const normalized = key.toLowerCase();
      const earlier = spelledAs.get(normalized);
      if (earlier !== undefined) {
        // Two spellings of one key would make the lookup depend on object order: refuse the request instead.
        throw new TypeError(`the request context names one key twice, as ${earlier} and ${key} (context key names are case-insensitive)`);
      }
      spelledAs.set(normalized, key);
      entries.set(normalized, entry);
    }
    return new RequestContext(entries);
  }

  get(key: string): ContextEntry | undefined {
    return this.#entries.get(key.toLowerCase());
  }
}
