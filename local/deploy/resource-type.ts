/**
 * What the applier knows about a Terraform resource type: the arguments it understands (a strict valibot schema, so
 * an argument it does not know is refused by name), and how the emulator creates it and which attributes it reports
 * (the attributes other resources refer to: `arn`, `id`, `url`, ...).
 *
 * Arguments are of two kinds. Modelled ones change what the emulator does. Recorded ones (`recorded(reason)`) are
 * accepted because their effect is outside what runs locally (tags, encryption at rest, log retention); the reason
 * stays beside them in the code. Anything else is refused.
 */
import * as v from 'valibot';
import type { RunningEmulator } from '../emulator/emulator.js';
import type { TerraformValue } from './terraform-json.js';

export type Attributes = Record<string, TerraformValue>;

export interface ApplyOptions {
  /** Local shortcut of the SQS event source mappings (see services/lambda/sqs-event-source.ts). */
  sqsFailureVisibilityMs?: number;
}

export interface ApplyContext {
  /** `aws_sqs_queue.jobs_queue_1234`. */
  address: string;
  emulator: RunningEmulator;
  /** The folder of cdk.tf.json (asset paths are relative to it). */
  stackDir: string;
  options: ApplyOptions;
  /** Whether Terraform is sure to have created `address` before this resource (it is in this one's dependencies). */
  dependsOn(address: string): boolean;
  /** The applied resources of a type, with their arguments and attributes (e.g. which role policies exist). */
  appliedOf(type: string): ReadonlyArray<{ address: string; args: Record<string, unknown>; attributes: Attributes }>;
  /** A stable id for this resource: the same on every run, so data kept across restarts stays attached. */
  stableId(length: number, alphabet?: string): string;
}

export interface ResourceType<S extends v.GenericSchema = v.GenericSchema> {
  type: string;
  mode: 'managed' | 'data';
  schema: S;
  apply(args: v.InferOutput<S>, context: ApplyContext): Attributes | Promise<Attributes>;
}

export function resourceType<S extends v.GenericSchema>(definition: ResourceType<S>): ResourceType<S> {
  return definition;
}

/** An argument accepted for its effect outside what runs locally; `reason` documents why it needs no emulation. */
export const recorded = (_reason: string) => v.optional(v.unknown());

/**
 * A nested block: Terraform JSON writes a single block as an object, cdktf sometimes as a one-element list; both are
 * read as the object. `entries` is strict like the resource's own arguments.
 */
export function block<E extends v.ObjectEntries>(entries: E) {
  const object = v.strictObject(entries);
  return v.pipe(
    v.union([object, v.pipe(v.array(object), v.length(1, 'expected one block'))]),
    v.transform((value) => (Array.isArray(value) ? value[0]! : value) as v.InferOutput<typeof object>),
  );
}

/** A repeated nested block (a list of objects). */
export const blocks = <E extends v.ObjectEntries>(entries: E) => v.array(v.strictObject(entries));

export const str = () => v.string();
export const optStr = () => v.optional(v.string());
export const optNum = () => v.optional(v.number());
export const optBool = () => v.optional(v.boolean());
export const strList = () => v.array(v.string());
export const tags = () => recorded('tags are metadata; nothing local reads them');
