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

describe('learned names', () => {
  it('names people as the API and the inbox name them, keeping the configured names and the own one', () => {
    const names = new DisplayNames([{ id: 'alice', name: 'Alice' }], 'bob', 'Bob');
    const erin = 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666';
    names.learn(erin, 'Erin');
    names.learn('alice', 'Someone else');
    names.learn('bob', 'Not Bob');
    names.learn('dave', '   ');
    expect([names.of(erin), names.of('alice'), names.of('bob'), names.of('dave')]).toEqual(['Erin', 'Alice', 'Bob', 'dave']);
    expect(names.full(erin)).toBe(`Erin (${erin})`);
    names.learn(erin, 'Erin B.');
    expect(names.of(erin)).toBe('Erin B.');
  });

  it('keeps a bounded number of learned names, forgetting the oldest first', () => {
    const names = new DisplayNames([{ id: 'alice', name: 'Alice' }], 'bob', 'Bob');
    for (let i = 0; i <= 5000; i += 1) names.learn(`u${i}`, `User ${i}`);
    expect(names.of('u0')).toBe('u0');
    expect(names.of('u1')).toBe('User 1');
    expect(names.of('u5000')).toBe('User 5000');
    expect(names.of('alice')).toBe('Alice');
  });
});
