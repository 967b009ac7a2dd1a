/**
 * Applies a synthesized stack (cdk.tf.json) to the emulator, as `terraform apply` applies it to AWS: every resource in
 * dependency order, each created by the emulator's service for its type with exactly the arguments Terraform would
 * send, and the outputs resolved. A resource type, argument or expression the applier does not understand stops the
 * apply with its name before anything is created; a creation AWS would refuse stops it with AWS's reason and the
 * resource's address.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { RunningEmulator } from '../emulator/emulator.js';
import { resourceGraph } from './graph.js';
import type { ApplyContext, ApplyOptions, Attributes } from './resource-type.js';
import { RESOURCE_TYPES } from './resources/index.js';
import {
  blocksOf,
  checkOutputs,
  type Reference,
  resolveValue,
  type TerraformJson,
  type TerraformObject,
  type TerraformValue,
  UnsupportedConfigurationError,
} from './terraform-json.js';

export interface AppliedResource {
  address: string;
  type: string;
  args: Record<string, unknown>;
  attributes: Attributes;
}

export interface AppliedStack {
  outputs: Record<string, TerraformValue>;
  resources: ReadonlyMap<string, AppliedResource>;
  /** The resources of a type, in the order they were created. */
  ofType(type: string): AppliedResource[];
}

/** A resource could not be created: `address` names it, the message says why (AWS's words where AWS would refuse). */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  constructor(
    readonly address: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${address}: ${message}`, options);
  }
}

export async function applyStack(json: TerraformJson, target: { emulator: RunningEmulator; stackDir: string; options?: ApplyOptions }): Promise<AppliedStack> {
  const { emulator } = target;
  checkOutputs(json);
  checkProviders(json, emulator.account.region);
  const blocks = blocksOf(json);
  const unknown = [
    ...new Set(blocks.filter((b) => !RESOURCE_TYPES.has(`${b.mode}:${b.type}`)).map((b) => `${b.mode === 'data' ? 'data source' : 'resource type'} ${b.type}`)),
  ];
  if (unknown.length > 0) throw new UnsupportedConfigurationError(`not understood by the local applier: ${unknown.join(', ')}`);
  const graph = resourceGraph(blocks);

  const applied = new Map<string, AppliedResource>();
  const lookup =
    (where: string) =>
    (reference: Reference): TerraformValue => {
      const resource = applied.get(reference.address);
      if (!resource) throw new ApplyError(where, `${reference.address} is not created yet`);
      const value = resource.attributes[reference.attribute];
      if (value === undefined) throw new ApplyError(where, `${reference.address} has no attribute "${reference.attribute}" in the local applier`);
      return value;
    };
  const ofType = (type: string) => [...applied.values()].filter((r) => r.type === type);

  for (const block of graph.order) {
    const type = RESOURCE_TYPES.get(`${block.mode}:${block.type}`)!;
    const resolved = resolveValue(block.args, lookup(block.address), block.address) as TerraformObject;
    const parsed = v.safeParse(type.schema, resolved);
    if (!parsed.success) throw new ApplyError(block.address, describeIssues(parsed.issues));
    const dependencies = graph.dependencies(block.address);
    const context: ApplyContext = {
      address: block.address,
      emulator,
      stackDir: target.stackDir,
      options: target.options ?? {},
      dependsOn: (address) => dependencies.has(address),
      appliedOf: ofType,
      stableId: (length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') => stableId(`${emulator.account.accountId}|${block.address}`, length, alphabet),
    };
    let attributes: Attributes;
    try {
      attributes = await type.apply(parsed.output, context);
    } catch (error) {
      if (error instanceof ApplyError) throw error;
      const message =
        error instanceof Error ? `${error.name === 'Error' ? '' : `${(error as { code?: string }).code ?? error.name}: `}${error.message}` : String(error);
      throw new ApplyError(block.address, message, { cause: error });
    }
    applied.set(block.address, { address: block.address, type: block.type, args: resolved, attributes });
  }

  const outputs: Record<string, TerraformValue> = {};
  for (const [name, output] of Object.entries(json.output ?? {}))
    outputs[name] = resolveValue(output.value ?? null, lookup(`output.${name}`), `output.${name}`);
  return { outputs, resources: applied, ofType };
}

/**
 * The provider blocks: Terraform JSON writes a provider as an object or a list of objects ("JSON Configuration Syntax",
 * provider blocks). The applier knows the one default aws provider: its region must be the emulator's, and an aliased
 * configuration (another region or account) is refused.
 */
function checkProviders(json: TerraformJson, region: string): void {
  for (const [name, value] of Object.entries(json.provider ?? {})) {
    if (name !== 'aws') throw new UnsupportedConfigurationError(`provider "${name}" is not understood by the local applier (only aws)`);
    const configurations = (Array.isArray(value) ? value : [value]) as Array<{ region?: unknown; alias?: unknown } | null>;
    for (const configuration of configurations) {
      if (typeof configuration !== 'object' || configuration === null) throw new UnsupportedConfigurationError('provider "aws" must be a block');
      if (configuration.alias !== undefined)
        throw new UnsupportedConfigurationError(`provider "aws" with alias ${JSON.stringify(configuration.alias)} is not understood by the local applier`);
      if (configuration.region !== undefined && configuration.region !== region)
        throw new UnsupportedConfigurationError(`the stack is for ${String(configuration.region)}; the emulator runs ${region} (LOCAL_AWS_REGION)`);
    }
  }
}

/**
 * valibot issues as the applier's message: an unknown argument is named as such. A nested block is a union (a block or
 * a one-element list of blocks, resource-type.ts): when one of its options got past the type and failed inside, that
 * option's issues name the argument, not the union's "Expected (Object | Array)".
 */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  // A union's options run on the value alone: their issues' paths are relative to the union's.
  const leaves = (issue: v.BaseIssue<unknown>): v.BaseIssue<unknown>[] => {
    const inside = issue.type === 'union' ? (issue.issues ?? []).filter((inner) => (inner.path?.length ?? 0) > 0) : [];
    if (inside.length === 0) return [issue];
    return inside.map((inner) => ({ ...inner, path: [...(issue.path ?? []), ...(inner.path ?? [])] }) as v.BaseIssue<unknown>).flatMap(leaves);
  };
  const all = issues.flatMap(leaves);
  const paths = all.map((issue) => v.getDotPath(issue) ?? '');
  // The most specific issue only: one whose path leads to another's is its consequence (an array read as a block).
  return all
    .filter((_issue, i) => !paths.some((other, j) => j !== i && paths[i] !== '' && other.startsWith(`${paths[i]}.`)))
    .map((issue) => {
      const path = v.getDotPath(issue) ?? '(arguments)';
      if (issue.expected === 'never') return `argument "${path}" is not understood by the local applier`;
      return `argument "${path}": ${issue.message}`;
    })
    .join('; ');
}

function stableId(seed: string, length: number, alphabet: string): string {
  let out = '';
  let counter = 0;
  while (out.length < length) {
    const digest = createHash('sha256').update(`${seed}#${counter++}`).digest();
    for (const byte of digest) {
      if (out.length >= length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
