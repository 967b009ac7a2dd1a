import { jest } from '@jest/globals';
import { silentLogger } from '../../test/fixtures/events.js';
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import type { Caller } from '../shared/caller.js';
import { UpstreamError } from '../shared/errors.js';
import { profileRegistrar } from './registration.js';

const dana: Caller = { userId: 'us-east-1:11111111-1111-4111-8111-111111111111', kind: 'cognito', displayName: 'Dana', username: 'dana' };

describe('profiles on first use', () => {
  it('writes a profile once per warm instance, and again when the token says something new', async () => {
    const directory = new MemoryUserDirectory();
    const register = jest.spyOn(directory, 'register');
    const registrar = profileRegistrar(directory, silentLogger());
    await registrar.register(dana);
    await registrar.register(dana);
    expect(register).toHaveBeenCalledTimes(1);
    await registrar.register({ ...dana, displayName: 'Dana D.' });
    expect(register).toHaveBeenCalledTimes(2);
    expect((await directory.get(dana.userId))?.displayName).toBe('Dana D.');
  });

  it('never fails the request when the directory does, and tries again on the next request', async () => {
    const directory = new MemoryUserDirectory();
    const register = jest.spyOn(directory, 'register').mockRejectedValueOnce(new UpstreamError('throttled', true));
    const logger = silentLogger();
    const warn = jest.spyOn(logger, 'warn');
    const registrar = profileRegistrar(directory, logger);
    await expect(registrar.register(dana)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith('profile not written; it is tried again on the next request', expect.objectContaining({ userId: dana.userId }));
    await registrar.register(dana);
    expect(register).toHaveBeenCalledTimes(2);
    expect(await directory.get(dana.userId)).toMatchObject({ username: 'dana' });
  });
});
