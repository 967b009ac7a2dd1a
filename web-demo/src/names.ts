/**
 * Display names for user ids: the demo users' names from /config.json, the signed-in user's own name, and for anyone
 * else their id, shortened when it is a Cognito identity id (`region:uuid`, 46 characters) with the full id kept for
 * a tooltip. The API names people by id only; a directory of names is the app's business, not this layer's.
 */
export class DisplayNames {
  readonly #known: Map<string, string>;

  constructor(
    known: ReadonlyArray<{ id: string; name: string }>,
    readonly selfId: string,
    selfName: string,
  ) {
    this.#known = new Map(known.map((u) => [u.id, u.name]));
    this.#known.set(selfId, selfName);
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
