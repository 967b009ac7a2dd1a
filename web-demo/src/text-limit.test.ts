import { MAX_MESSAGE_TEXT_LENGTH } from '../../core/contracts/http.js';
import { counterText, MAX_TEXT, overBy, pasteRefusal, tooLongMessage } from './text-limit.js';

describe('the message length limit', () => {
  it('is the contract’s, counted as the API counts it (trimmed)', () => {
    expect(MAX_TEXT).toBe(MAX_MESSAGE_TEXT_LENGTH);
    expect(overBy(`  ${'a'.repeat(MAX_TEXT)}  \n`)).toBe(0);
    expect(overBy('a'.repeat(MAX_TEXT + 1))).toBe(1);
    expect(counterText('  hi  ')).toBe('2 / 2,000');
  });

  it('explains a message that is too long, with the numbers', () => {
    expect(tooLongMessage('a'.repeat(2000))).toBeUndefined();
    expect(tooLongMessage('a'.repeat(2001))).toBe('This message is 1 character too long: a message can have at most 2,000. Shorten it to send it.');
    expect(tooLongMessage('a'.repeat(2150), 2000)).toContain('150 characters too long');
  });

  it('refuses a paste that would go over the limit, counting what it replaces', () => {
    expect(pasteRefusal('hello', 5, 5, 'x'.repeat(1995))).toBeUndefined();
    expect(pasteRefusal('hello', 5, 5, 'x'.repeat(1996))).toBe(
      'Not pasted: the text has 1,996 characters, and with what is written here the message would be 1 over the limit of 2,000. Nothing was cut.',
    );
    // Pasting over a selection replaces it.
    expect(pasteRefusal('hello', 0, 5, 'x'.repeat(2000))).toBeUndefined();
    expect(pasteRefusal('', 0, 0, 'y'.repeat(3400))).toContain('3,400 characters');
  });
});
