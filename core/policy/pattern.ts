/**
 * IAM wildcard patterns: `*` matches any run of characters (none included), `?` exactly one; everything else is literal
 * (IAM JSON policy elements: Resource, "Wildcards"; Condition operators, StringLike). MQTT `+` and `#` are not
 * wildcards here (IoT: "The characters + and # are treated as literal strings in a policy", AWS IoT Core policy
 * variables). A compiled pattern keeps which characters are wildcards, so a literal `*` (from `${*}` or from a value
 * compared literally) can never act as one.
 */

export const ANY_RUN = 0;
export const ANY_ONE = 1;
/** One literal character (a code point), or a wildcard. */
export type PatternUnit = string | typeof ANY_RUN | typeof ANY_ONE;
export type Pattern = readonly PatternUnit[];

/** Every character literal. */
export function literalUnits(text: string): PatternUnit[] {
  return Array.from(text);
}

/** `*` and `?` are wildcards, everything else literal. */
export function wildcardUnits(text: string): PatternUnit[] {
  return Array.from(text, (ch) => (ch === '*' ? ANY_RUN : ch === '?' ? ANY_ONE : ch));
}

/** Glob match over code points; backtracks only to the last `*`, so it is linear-ish and never catastrophic. */
export function matchesPattern(pattern: Pattern, value: string, ignoreCase = false): boolean {
  const chars = Array.from(value);
  const same = ignoreCase ? (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase() : (a: string, b: string) => a === b;
  let p = 0;
  let v = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (v < chars.length) {
    const unit = pattern[p];
    if (unit === ANY_RUN) {
      starAt = p++;
      resumeAt = v;
    } else if (unit !== undefined && (unit === ANY_ONE || same(unit, chars[v] as string))) {
      p++;
      v++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === ANY_RUN) p++;
  return p === pattern.length;
}

/** Splits a pattern at its first `count` literal `:` characters (wildcards never split). */
export function splitPatternAtColons(pattern: Pattern, count: number): PatternUnit[][] {
  const parts: PatternUnit[][] = [[]];
  for (const unit of pattern) {
    if (unit === ':' && parts.length <= count) parts.push([]);
    else (parts[parts.length - 1] as PatternUnit[]).push(unit);
  }
  return parts;
}

/** The pattern written back as policy text (for error messages). */
export function patternText(pattern: Pattern): string {
  return pattern.map((unit) => (unit === ANY_RUN ? '*' : unit === ANY_ONE ? '?' : unit)).join('');
}
