/**
 * Display names for user ids: the demo users' names from /config.json, the signed-in user's own name, and the names the
 * API and the inbox give people (member lists, message senders, room events and broadcasts: the user directory's,
 * core/contracts/users.ts), learned as they arrive. Anyone not named yet shows as their id, shortened when it is a
 * Cognito identity id (`region:uuid`, 46 characters), with the full id kept for a tooltip.
 */

/** Names learned at most; past it the oldest learned one goes (a page meets few people; a hostile payload many). */
const LEARNED_MAX = 5000;

export class DisplayNames {
  readonly #known: Map<string, string>;
  readonly #fixed: ReadonlySet<string>;

  constructor(
    known: ReadonlyArray<{ id: string; name: string }>,
    readonly selfId: string,
    selfName: string,
  ) {
    this.#known = new Map(known.map((u) => [u.id, u.name]));
    this.#known.set(selfId, selfName);
    this.#fixed = new Set(this.#known.keys());
  }

  /** A name the API or the inbox gave `userId` (the user's own name and the configured ones are kept). */
  learn(userId: string, displayName: string): void {
    if (this.#fixed.has(userId) || displayName.trim() === '' || this.#known.get(userId) === displayName) return;
    this.#known.delete(userId);
    this.#known.set(userId, displayName);
    if (this.#known.size > LEARNED_MAX + this.#fixed.size) {
      for (const id of this.#known.keys()) {
        if (this.#fixed.has(id)) continue;
        this.#known.delete(id);
        break;
      }
    }
  }

  /** The name to show. */
  of(userId: string): string {
    const known = this.#known.get(userId);
    if (known !== undefined) return known;
    const cognito = /^[a-z]{2}(?:-[a-z]+)+-\d:([0-9a-f]{8})-[0-9a-f-]+$/.exec(userId);
    return cognito ? `Cognito user ${cognito[1]}` : userId;
  }

  /** The name with the id, for a tooltip or a screen reader: "Alice (alice)". */
  full(userId: string): string {
    const name = this.of(userId);
    return name === userId ? userId : `${name} (${userId})`;
  }
}
