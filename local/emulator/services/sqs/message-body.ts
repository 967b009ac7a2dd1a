/**
 * What SendMessage accepts as a message body ("SendMessage", MessageBody, Amazon SQS API reference): "A message can
 * include only XML, JSON, and unformatted text. The following Unicode characters are allowed: #x9 | #xA | #xD | #x20 to
 * #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", and not empty. Shared by the SQS API and the services that send as
 * AWS would (the IoT rules engine's SQS action).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters SQS refuses are control characters.
const INVALID_BODY = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

export const INVALID_CHARACTERS_MESSAGE =
  'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

/** Why SQS would refuse `body` for its characters (the error code and message), or undefined when it accepts them. */
export function sqsBodyProblem(body: string): string | undefined {
  if (body.length === 0) return 'MissingParameter: The request must contain the parameter MessageBody.';
  return INVALID_BODY.test(body) ? `InvalidMessageContents: ${INVALID_CHARACTERS_MESSAGE}` : undefined;
}

/** Whether the body has a character SQS refuses. */
export function hasInvalidCharacters(body: string): boolean {
  return INVALID_BODY.test(body);
}
