/**
 * ARN matching component by component.
 *
 * IAM (IAM JSON policy elements: Resource, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html):
 * "You can use wildcard characters (* and ?) within any ARN segment (the parts separated by colons) ... a wildcard
 * cannot span segments." The sixth component (the resource part) may itself contain `:` and `/`; a `*` there spans
 * both. The same rule holds for ArnLike / ArnEquals: "Each of the six colon-delimited components of the ARN is checked
 * separately" (IAM JSON policy elements: Condition operators, ARN condition operators).
 */
import { UnsupportedPolicyFeatureError } from './errors.js';
import { matchesPattern, type Pattern, patternText, splitPatternAtColons, wildcardUnits } from './pattern.js';
import type { RequestContext } from './request-context.js';
import { hasVariableSyntax, resolvePattern } from './variables.js';

const ARN_COMPONENTS = 6;

/** `arn`, partition, service, region, account, resource; undefined when `value` is not an ARN. */
export function splitArn(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < ARN_COMPONENTS || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, ARN_COMPONENTS - 1), parts.slice(ARN_COMPONENTS - 1).join(':')];
}

/** Component-wise match of a resolved ARN pattern (ArnLike); both sides must be ARNs, or the policy is refused. */
export function arnPatternMatches(pattern: Pattern, value: string, operator: string): boolean {
  const patternParts = splitPatternAtColons(pattern, ARN_COMPONENTS - 1);
  if (patternParts.length < ARN_COMPONENTS) {
    throw new UnsupportedPolicyFeatureError(`${operator} needs ARN values with six colon-separated components, got ${JSON.stringify(patternText(pattern))}`);
  }
  const valueParts = splitArn(value);
  if (valueParts === undefined) throw new UnsupportedPolicyFeatureError(`${operator} compares ARNs, but the request value ${JSON.stringify(value)} is not one`);
  return patternParts.every((part, i) => matchesPattern(part, valueParts[i] as string));
}

/** How one Resource / NotResource entry relates to the request resource. */
export type ResourceEntryMatch = 'match' | 'no-match' | 'unresolved';

export function resourceEntryMatches(entry: string, resource: string, context: RequestContext): ResourceEntryMatch {
  if (entry === '*') return 'match';
  if (!entry.startsWith('arn:')) {
    // Not an ARN (AWS wants ARNs or `*`; plain strings appear in tests only): one pattern over the whole string.
    const units = resolvePattern(entry, context);
    if (units === undefined) return 'unresolved';
    return matchesPattern(units, resource) ? 'match' : 'no-match';
  }
  const rawParts = entry.split(':');
  const prefix = rawParts.slice(0, ARN_COMPONENTS - 1);
  let resourcePart = rawParts.slice(ARN_COMPONENTS - 1).join(':');
  if (prefix.some(hasVariableSyntax)) {
    // IAM: "You can't use a variable to replace parts of the ARN before the fifth colon" (Variables, Resource element).
    throw new UnsupportedPolicyFeatureError(`policy variables are allowed only in the resource part of an ARN (after the fifth colon): ${entry}`);
  }
  if (rawParts.length < ARN_COMPONENTS) {
    // A shortened ARN ending in `*` (`arn:aws:iot:*`) covers the missing components, as the same text would as a plain
    // pattern; without a trailing `*` it cannot match a complete ARN.
    if (!entry.endsWith('*')) return 'no-match';
    while (prefix.length < ARN_COMPONENTS - 1) prefix.push('*');
    resourcePart = '*';
  }
  const resourceParts = splitArn(resource);
  if (resourceParts === undefined) return 'no-match';
  if (!prefix.every((part, i) => matchesPattern(wildcardUnits(part), resourceParts[i] as string))) return 'no-match';
  const units = resolvePattern(resourcePart, context);
  if (units === undefined) return 'unresolved';
  return matchesPattern(units, resourceParts[ARN_COMPONENTS - 1] as string) ? 'match' : 'no-match';
}
