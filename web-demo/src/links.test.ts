import { linkify, safeHref } from './links.js';

const joined = (text: string) =>
  linkify(text)
    .map((s) => s.text)
    .join('');

describe('linkify', () => {
  it('finds http and https addresses in text and keeps everything else as text', () => {
    expect(linkify('see https://example.com/docs?a=1#x and http://test.example/ too')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/docs?a=1#x', href: 'https://example.com/docs?a=1#x' },
      { text: ' and ' },
      { text: 'http://test.example/', href: 'http://test.example/' },
      { text: ' too' },
    ]);
  });

  it('leaves sentence punctuation out, and keeps parentheses the address opened', () => {
    expect(linkify('Read https://example.com/a.')).toEqual([
      { text: 'Read ' },
      { text: 'https://example.com/a', href: 'https://example.com/a' },
      { text: '.' },
    ]);
    expect(linkify('(see https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { text: '(see ' },
      { text: 'https://en.wikipedia.org/wiki/Foo_(bar)', href: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
      { text: ')' },
    ]);
  });

  it('never links another scheme, a scheme hidden in text, or an address without a host', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>x</script>', 'xhttps://evil', 'http://', 'ftp://files.example']) {
      expect(linkify(text).filter((s) => 'href' in s)).toEqual([]);
      expect(joined(text)).toBe(text);
    }
    expect(linkify('')).toEqual([{ text: '' }]);
  });

  it('keeps the text exactly, markup and quotes included, for text nodes to show', () => {
    const text = '<img src=x onerror=alert(1)> "https://example.com/<b>" https://example.com/"onmouseover="x';
    expect(joined(text)).toBe(text);
    for (const segment of linkify(text)) if ('href' in segment) expect(segment.href).not.toMatch(/["<>]/);
  });
});

describe('safeHref', () => {
  it('accepts http(s) with a host, normalised; refuses the rest', () => {
    expect(safeHref('HTTPS://Example.COM/x')).toBe('https://example.com/x');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('not a url')).toBeUndefined();
  });
});
