/**
 * A policy construct (or a request) the local evaluator refuses to guess about. Thrown instead of a decision so that an
 * unsupported or undocumented case can never turn into an Allow that AWS would not give.
 */
export class UnsupportedPolicyFeatureError extends Error {
  override readonly name = 'UnsupportedPolicyFeatureError';
}
