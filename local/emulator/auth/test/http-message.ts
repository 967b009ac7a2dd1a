/**
 * The AWS SigV4 test suite writes requests as HTTP/1.1 text (`.req`, `.sreq`, `request.txt`): a request line, header
 * lines, a blank line, the body. This reads that text and writes it back as the bytes a client would send.
 */

export interface HttpMessage {
  method: string;
  /** The request-target exactly as written: it may hold raw spaces or UTF-8, which no client may send. */
  target: string;
  /** Header lines as written, `Name:value`; a line that starts with white space continues the one above (obs-fold). */
  headerLines: string[];
  body: string;
}

export function parseHttpMessage(text: string): HttpMessage {
  const blank = text.indexOf('\n\n');
  const head = blank === -1 ? text.replace(/\n$/, '') : text.slice(0, blank);
  const body = blank === -1 ? '' : text.slice(blank + 2);
  const [requestLine = '', ...headerLines] = head.split('\n');
  // The target may contain spaces (get-space): the method ends at the first space, the version starts after the last.
  const first = requestLine.indexOf(' ');
  const last = requestLine.lastIndexOf(' ');
  if (first === -1 || last <= first || !requestLine.slice(last + 1).startsWith('HTTP/')) {
    throw new Error(`not an HTTP request line: ${JSON.stringify(requestLine)}`);
  }
  return { method: requestLine.slice(0, first), target: requestLine.slice(first + 1, last), headerLines, body };
}

export function isFoldedLine(line: string): boolean {
  return line.startsWith(' ') || line.startsWith('\t');
}

/**
 * Header values by lower-case name, one per line in order. A folded line is read as one more value of the header
 * above, which is how the suite's get-header-value-multiline.creq reads it (`value1,value2,value3`).
 */
export function headerValues(message: HttpMessage): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of message.headerLines) {
    if (isFoldedLine(line)) {
      if (current === undefined) throw new Error(`continuation line before any header: ${JSON.stringify(line)}`);
      current.push(line.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).toLowerCase();
    current = values[name] ??= [];
    current.push(line.slice(colon + 1).trim());
  }
  return values;
}

/**
 * The bytes a client sends for the message: CRLF line ends, `Content-Length` for a body (the suite's POST form
 * requests carry none, and without it an HTTP/1.1 server reads no body), and `Connection: close`.
 */
export function toWire(message: HttpMessage): Buffer {
  const lines = [`${message.method} ${message.target} HTTP/1.1`, ...message.headerLines];
  const body = Buffer.from(message.body, 'utf8');
  if (body.length > 0 && !message.headerLines.some((l) => /^content-length:/i.test(l))) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}
