/**
 * The message length limit as the API checks it (core/contracts/http.ts MAX_MESSAGE_TEXT_LENGTH, counted by the
 * functions after trimming, in UTF-16 code units: `text.trim().length`), for the composer's counter and refusals.
 * Nothing is ever cut: text over the limit is refused with the numbers.
 */
import { MAX_MESSAGE_TEXT_LENGTH } from '../../core/contracts/http.js';

export const MAX_TEXT = MAX_MESSAGE_TEXT_LENGTH;

const number = new Intl.NumberFormat('en-US');
export const formatCount = (n: number): string => number.format(n);

/** The length the API will count. */
export const countedLength = (text: string): number => text.trim().length;

/** How many characters too many (0 when it fits). */
export const overBy = (text: string, max = MAX_TEXT): number => Math.max(0, countedLength(text) - max);

/** The counter's words: "12 / 2,000". */
export const counterText = (text: string, max = MAX_TEXT): string => `${formatCount(countedLength(text))} / ${formatCount(max)}`;

/** Why the text cannot be sent as it is, or undefined when it can. */
export function tooLongMessage(text: string, max = MAX_TEXT): string | undefined {
  const over = overBy(text, max);
  if (over === 0) return undefined;
  return `This message is ${formatCount(over)} ${over === 1 ? 'character' : 'characters'} too long: a message can have at most ${formatCount(max)}. Shorten it to send it.`;
}

/**
 * What pasting `pasted` over the selection [start, end) of `current` would make; a refusal when the result would be
 * over the limit (the paste is then not done at all: nothing is cut).
 */
export function pasteRefusal(current: string, start: number, end: number, pasted: string, max = MAX_TEXT): string | undefined {
  const result = current.slice(0, start) + pasted + current.slice(end);
  const over = overBy(result, max);
  if (over === 0) return undefined;
  return `Not pasted: the text has ${formatCount(pasted.length)} characters, and with what is written here the message would be ${formatCount(over)} over the limit of ${formatCount(max)}. Nothing was cut.`;
}
