/**
 * The independent reference: @cloud-copilot/iam-simulate, run on a generated case as identity policies (plus a
 * permission boundary when the case has one: the same "both layers must allow, a deny anywhere wins" rule as
 * evaluateLayers). The principal and the resource are put in one account, as in the emulator, so no resource-policy
 * trust is involved; ARN account components still take part in pattern matching.
 */
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { GeneratedCase } from './random-policies.js';

export type ReferenceDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

const ACCOUNT = '000000000000';

export function referenceDecision(generated: GeneratedCase): ReferenceDecision {
  const { action, resource, context } = generated.request;
  return runUnsafeSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/differential`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: generated.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(generated.boundary === undefined ? {} : { permissionBoundaryPolicies: [{ name: 'boundary', policy: generated.boundary }] }),
    },
    {},
  );
}
