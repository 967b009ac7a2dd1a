import { DisplayNames } from './names.js';

describe('DisplayNames', () => {
  const names = new DisplayNames([{ id: 'alice', name: 'Alice' }], 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666', 'erin');

  it('names demo users and the signed-in user, and shows other ids as they are', () => {
    expect(names.of('alice')).toBe('Alice');
    expect(names.of('us-east-1:0f3c1e6a-1111-2222-3333-444455556666')).toBe('erin');
    expect(names.of('dave')).toBe('dave');
    expect(names.full('alice')).toBe('Alice (alice)');
    expect(names.full('dave')).toBe('dave');
  });

  it('shortens other Cognito identity ids, keeping the full id for the tooltip', () => {
    const id = 'eu-west-1:9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff';
    expect(names.of(id)).toBe('Cognito user 9a8b7c6d');
    expect(names.full(id)).toBe(`Cognito user 9a8b7c6d (${id})`);
  });
});
