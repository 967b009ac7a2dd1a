/**
 * Policy variables `${key}` (IAM policy elements: Variables and tags,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
 *
 * - `${*}`, `${?}` and `${$}` are the literal characters `*`, `?` and `$` ("Special characters").
 * - A key with no value, or absent from the request, leaves the variable "effectively null": the caller decides what
 *   that means where the variable stands (resource entry, positive or negated condition), so resolution reports it.
 * - "You cannot use a multivalued context key as a policy variable": refused with an error, never guessed.
 * - Default values `${key, 'default'}` are not supported here: refused with an error.
 */
import { UnsupportedPolicyFeatureError } from './errors.js';
import { literalUnits, type PatternUnit, wildcardUnits } from './pattern.js';
import type { RequestContext } from './request-context.js';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'literal'; char: '*' | '?' | '$' } | { kind: 'variable'; key: string };

const parsedTemplates = new Map<string, readonly TemplatePart[]>();
const PARSED_TEMPLATES_LIMIT = 10_000;

export function hasVariableSyntax(text: string): boolean {
  return text.includes('${');
}

/** Splits `text` into literal text, escaped special characters and variables; refuses malformed or unsupported ones. */
export function parseTemplate(text: string): readonly TemplatePart[] {
  const cached = parsedTemplates.get(text);
  if (cached !== undefined) return cached;
  const parts: TemplatePart[] = [];
  let rest = 0;
  for (let open = text.indexOf('${'); open !== -1; open = text.indexOf('${', rest)) {
    const close = text.indexOf('}', open + 2);
    if (close === -1) throw new UnsupportedPolicyFeatureError(`unterminated policy variable in ${JSON.stringify(text)}`);
    if (open > rest) parts.push({ kind: 'text', text: text.slice(rest, open) });
    const inner = text.slice(open + 2, close);
    if (inner === '*' || inner === '?' || inner === '$') parts.push({ kind: 'literal', char: inner });
    else if (inner.includes(',')) throw new UnsupportedPolicyFeatureError(`policy variable default values are not supported: \${${inner}}`);
    else if (inner === '' || inner.trim() !== inner)
      throw new UnsupportedPolicyFeatureError(`malformed policy variable \${${inner}} in ${JSON.stringify(text)}`);
    else parts.push({ kind: 'variable', key: inner });
    rest = close + 1;
  }
  if (rest < text.length) parts.push({ kind: 'text', text: text.slice(rest) });
  if (parsedTemplates.size >= PARSED_TEMPLATES_LIMIT) parsedTemplates.clear();
  parsedTemplates.set(text, parts);
  return parts;
}

/** The value of a variable, or undefined when it has none (absent key or empty string: "effectively null"). */
function variableValue(key: string, context: RequestContext): string | undefined {
  const entry = context.get(key);
  if (entry === undefined) return undefined;
  if (entry.kind === 'multi') {
    throw new UnsupportedPolicyFeatureError(`\${${key}} names a multivalued context key, which AWS does not allow as a policy variable`);
  }
  return entry.value === '' ? undefined : entry.value;
}

/**
 * Resolves a template whose own `*` and `?` are wildcards (Resource, StringLike, ArnLike). Undefined when a variable
 * has no value. A substituted value containing `*` or `?` is refused: AWS does not document whether such characters
 * coming from the request act as wildcards, and guessing "literal" could allow what AWS denies (or the reverse).
 */
export function resolvePattern(text: string, context: RequestContext): PatternUnit[] | undefined {
  if (!hasVariableSyntax(text)) return wildcardUnits(text);
  const units: PatternUnit[] = [];
  for (const part of parseTemplate(text)) {
    if (part.kind === 'text') units.push(...wildcardUnits(part.text));
    else if (part.kind === 'literal') units.push(part.char);
    else {
      const value = variableValue(part.key, context);
      if (value === undefined) return undefined;
      if (value.includes('*') || value.includes('?')) {
        throw new UnsupportedPolicyFeatureError(
          `the value of \${${part.key}} (${JSON.stringify(value)}) contains a wildcard character; whether AWS treats it as a wildcard is not documented`,
        );
      }
      units.push(...literalUnits(value));
    }
  }
  return units;
}

/** Resolves a template compared literally (StringEquals and friends). Undefined when a variable has no value. */
export function resolveText(text: string, context: RequestContext): string | undefined {
  if (!hasVariableSyntax(text)) return text;
  let result = '';
  for (const part of parseTemplate(text)) {
    if (part.kind === 'text') result += part.text;
    else if (part.kind === 'literal') result += part.char;
    else {
      const value = variableValue(part.key, context);
      if (value === undefined) return undefined;
      result += value;
    }
  }
  return result;
}
