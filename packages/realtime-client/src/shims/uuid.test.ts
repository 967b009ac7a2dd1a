import { validate, version } from 'uuid';
import { v4 } from './uuid.js';

describe('the uuid stand-in', () => {
  it('gives random version 4 UUIDs in the RFC 9562 layout, as the uuid package reads them', () => {
    const ids = Array.from({ length: 2000 }, () => v4());
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(4);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
