/** The in-memory UserDirectory the unit tests use, held to the directory contract (the DynamoDB one passes it too). */
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import { userDirectoryContract } from './user-directory.contract.js';

userDirectoryContract('in memory', () => ({ directory: new MemoryUserDirectory() }));
