/**
 * Links in a message's text: http and https addresses only (never javascript:, data: or any other scheme), found in
 * the plain text and returned as segments, so that the page builds them with DOM calls (text nodes and an <a> whose
 * href is the parsed URL), never as HTML. Trailing punctuation that ends a sentence is not part of the address; a
 * closing parenthesis is, when the address opened one (Wikipedia-style paths).
 */
export type TextSegment = { text: string } | { text: string; href: string };

const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?*_~]$/;

function trimmed(candidate: string): string {
  let url = candidate;
  for (;;) {
    if (TRAILING.test(url)) url = url.slice(0, -1);
    else if (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
    else if (url.endsWith(']') && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
    else return url;
  }
}

const count = (text: string, char: string) => text.split(char).length - 1;

/** The address as a safe link target: an http(s) URL with a host, or undefined. */
export function safeHref(candidate: string): string | undefined {
  if (!URL.canParse(candidate)) return undefined;
  const url = new URL(candidate);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  return url.href;
}

/** The text cut into plain parts and links, in order; joined, the parts' texts are the text unchanged. */
export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let from = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const address = trimmed(match[0]);
    const href = safeHref(address);
    if (href === undefined) continue;
    if (start > from) segments.push({ text: text.slice(from, start) });
    segments.push({ text: address, href });
    from = start + address.length;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from) });
  return segments;
}

/** The segments as DOM nodes: text nodes, and links that open in a new tab without handing it this page. */
export function linkedText(text: string): Node[] {
  return linkify(text).map((segment) => {
    if (!('href' in segment)) return document.createTextNode(segment.text);
    const a = document.createElement('a');
    a.href = segment.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = segment.text;
    const note = document.createElement('span');
    note.className = 'visually-hidden';
    note.textContent = ' (opens in a new tab)';
    a.append(note);
    return a;
  });
}
