/**
 * Policy documents as Terraform strings. IAM/IoT policy variables (`${cognito-identity.amazonaws.com:sub}`,
 * `${iot:ClientId}`) look like Terraform interpolations and must be escaped as `$${...}`; CDK Terrain's own token
 * references (`${TfToken[...]}`) must stay as they are so Terraform resolves them.
 */
import type { PolicyDocument } from '../core/policy/document.js';

export function policyJson(document: PolicyDocument): string {
  return JSON.stringify(document).replace(/\$\{(?!TfToken\[)/g, '$$${');
}

/** The reverse, for tests that evaluate synthesized documents: Terraform's `$${` is a literal `${`. */
export function unescapeTerraform(text: string): string {
  return text.replace(/\$\$\{/g, '${');
}
