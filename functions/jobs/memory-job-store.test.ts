/** The in-memory JobStore the unit tests use, held to the JobStore contract (the DynamoDB store passes the same suite). */
import { MemoryJobStore } from '../../test/support/memory-job-store.js';
import { jobStoreContract } from './job-store.contract.js';

jobStoreContract('in memory', () => ({ store: new MemoryJobStore() }));
