/**
 * Reading the Terraform JSON that `npm run synth` writes (cdk.tf.json), as Terraform itself reads it ("JSON
 * Configuration Syntax", https://developer.hashicorp.com/terraform/language/syntax/json): top-level blocks, resources
 * and data sources with their meta-arguments, and string templates. Only what the synthesized stack uses is accepted;
 * anything else is refused by name, never skipped, so the local stack cannot silently differ from what deploys.
 *
 * Templates: in JSON syntax every string is a template; `${...}` interpolates an expression, `$${` is a literal `${`
 * and `%%{` a literal `%{` ("String Templates"). The only expressions accepted are references to an attribute of a
 * resource or data source (`${aws_sqs_queue.jobs.arn}`, `${data.aws_caller_identity.caller.account_id}`).
 */

export type TerraformValue = string | number | boolean | null | TerraformValue[] | { [key: string]: TerraformValue };
export type TerraformObject = { [key: string]: TerraformValue };

export interface TerraformJson {
  resource?: Record<string, Record<string, TerraformObject>>;
  data?: Record<string, Record<string, TerraformObject>>;
  output?: Record<string, TerraformObject>;
  provider?: TerraformObject;
  terraform?: TerraformObject;
}

/** A resource (`aws_sqs_queue.jobs`) or data source (`data.aws_caller_identity.caller`) of the configuration. */
export interface Block {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** Its arguments, without meta-arguments; templates unresolved. */
  args: TerraformObject;
  /** `depends_on`, as addresses. */
  dependsOn: string[];
}

export interface Reference {
  /** `aws_sqs_queue.jobs` or `data.aws_caller_identity.caller`. */
  address: string;
  attribute: string;
}

/** The configuration uses something the local applier does not understand (the message names it). */
export class UnsupportedConfigurationError extends Error {
  override readonly name = 'UnsupportedConfigurationError';
}

/** Top-level keys: what cdktf writes. `//` holds cdktf's metadata (a comment in Terraform's JSON syntax). */
const TOP_LEVEL = new Set(['//', 'resource', 'data', 'output', 'provider', 'terraform']);
/**
 * Meta-arguments of a resource block ("The resource block", meta-arguments): the ones the stack uses are understood;
 * `count`, `for_each`, `provisioner` and `connection` would change what is created and are refused.
 */
const META_ARGUMENTS = new Set(['//', 'depends_on', 'lifecycle', 'provider']);
const REFUSED_META = new Set(['count', 'for_each', 'provisioner', 'connection']);
const LIFECYCLE_KEYS = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by']);
const OUTPUT_KEYS = new Set(['value', 'description', 'sensitive', 'depends_on', '//']);

/** Terraform identifiers: letters, digits, `_` and `-`, not starting with a digit ("Identifiers"). */
const REFERENCE = /^(data\.)?([a-zA-Z_][a-zA-Z0-9_-]*)\.([a-zA-Z_][a-zA-Z0-9_-]*)\.([a-zA-Z_][a-zA-Z0-9_]*)$/;
const ADDRESS = /^(data\.)?[a-zA-Z_][a-zA-Z0-9_-]*\.[a-zA-Z_][a-zA-Z0-9_-]*$/;

const isObject = (value: unknown): value is TerraformObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseTerraformJson(text: string): TerraformJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnsupportedConfigurationError(`the Terraform JSON is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new UnsupportedConfigurationError('the Terraform JSON must be an object');
  for (const key of Object.keys(parsed)) {
    if (!TOP_LEVEL.has(key)) throw new UnsupportedConfigurationError(`top-level block "${key}" is not understood by the local applier`);
  }
  return parsed as TerraformJson;
}

/** Every resource and data source of the configuration, meta-arguments checked. */
export function blocksOf(json: TerraformJson): Block[] {
  const blocks: Block[] = [];
  for (const [mode, section] of [
    ['managed', json.resource],
    ['data', json.data],
  ] as const) {
    for (const [type, byName] of Object.entries(section ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const address = mode === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
        if (!isObject(body)) throw new UnsupportedConfigurationError(`${address}: its body must be an object`);
        const args: TerraformObject = {};
        let dependsOn: string[] = [];
        for (const [key, value] of Object.entries(body)) {
          if (REFUSED_META.has(key)) throw new UnsupportedConfigurationError(`${address}: the meta-argument "${key}" is not understood by the local applier`);
          if (!META_ARGUMENTS.has(key)) {
            args[key] = value;
            continue;
          }
          if (key === 'depends_on') dependsOn = dependsOnOf(address, value);
          if (key === 'lifecycle') checkLifecycle(address, value);
          if (key === 'provider' && value !== 'aws')
            throw new UnsupportedConfigurationError(`${address}: provider ${JSON.stringify(value)} is not the one aws provider the applier knows`);
        }
        blocks.push({ address, mode, type, name, args, dependsOn });
      }
    }
  }
  return blocks;
}

function dependsOnOf(address: string, value: TerraformValue): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string' && ADDRESS.test(v)))
    throw new UnsupportedConfigurationError(`${address}: depends_on must list resource addresses`);
  return value;
}

function checkLifecycle(address: string, value: TerraformValue): void {
  if (!isObject(value)) throw new UnsupportedConfigurationError(`${address}: lifecycle must be a block`);
  for (const key of Object.keys(value))
    if (!LIFECYCLE_KEYS.has(key)) throw new UnsupportedConfigurationError(`${address}: lifecycle argument "${key}" is not understood`);
}

export function checkOutputs(json: TerraformJson): void {
  for (const [name, body] of Object.entries(json.output ?? {})) {
    for (const key of Object.keys(body))
      if (!OUTPUT_KEYS.has(key)) throw new UnsupportedConfigurationError(`output ${name}: argument "${key}" is not understood by the local applier`);
  }
}

/** A template split into literal text and references; `where` names the place for error messages. */
type TemplatePart = { literal: string } | { reference: Reference };

function parseTemplate(text: string, where: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('%%{', i)) {
      literal += '%{';
      i += 3;
    } else if (text.startsWith('%{', i)) {
      throw new UnsupportedConfigurationError(`${where}: template directives (%{...}) are not understood by the local applier`);
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new UnsupportedConfigurationError(`${where}: unterminated interpolation in ${JSON.stringify(text)}`);
      const expression = text.slice(i + 2, end).trim();
      const match = REFERENCE.exec(expression);
      if (!match)
        throw new UnsupportedConfigurationError(
          `${where}: the expression \${${expression}} is not understood by the local applier (only references like \${aws_sqs_queue.name.arn})`,
        );
      const [, data, type, name, attribute] = match;
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ reference: { address: `${data ? 'data.' : ''}${type}.${name}`, attribute: attribute! } });
      i = end + 1;
    } else {
      literal += text[i];
      i += 1;
    }
  }
  if (literal || parts.length === 0) parts.push({ literal });
  return parts;
}

/** Every reference in a value (arguments or an output), for the dependency graph. */
export function referencesIn(value: TerraformValue, where: string): Reference[] {
  if (typeof value === 'string') return parseTemplate(value, where).flatMap((part) => ('reference' in part ? [part.reference] : []));
  if (Array.isArray(value)) return value.flatMap((item) => referencesIn(item, where));
  if (isObject(value)) return Object.values(value).flatMap((item) => referencesIn(item, where));
  return [];
}

/** Reads an attribute of an applied resource; throws when the resource or attribute does not exist. */
export type AttributeLookup = (reference: Reference) => TerraformValue;

/**
 * Resolves every template in a value. A string that is exactly one interpolation takes the attribute's own value (a
 * number, list or object stays one, as in Terraform); an interpolation inside text must be a string, number or bool.
 */
export function resolveValue(value: TerraformValue, lookup: AttributeLookup, where: string): TerraformValue {
  if (typeof value === 'string') {
    const parts = parseTemplate(value, where);
    const [only] = parts;
    if (parts.length === 1 && only && 'reference' in only) return lookup(only.reference);
    return parts
      .map((part) => {
        if ('literal' in part) return part.literal;
        const resolved = lookup(part.reference);
        if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
        throw new UnsupportedConfigurationError(
          `${where}: \${${part.reference.address}.${part.reference.attribute}} is not a string and cannot be part of a template`,
        );
      })
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, lookup, where));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, resolveValue(item, lookup, where)]));
  return value;
}
