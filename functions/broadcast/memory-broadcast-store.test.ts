/** The in-memory BroadcastStore the unit tests use, held to the BroadcastStore contract. */
import { MemoryBroadcastStore } from '../../test/support/memory-broadcast-store.js';
import { broadcastStoreContract } from './broadcast-store.contract.js';

broadcastStoreContract('in memory', () => ({ store: new MemoryBroadcastStore() }));
