/** The in-memory RoomStore the unit tests use, held to the RoomStore contract (the DynamoDB store passes the same suite). */
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { roomStoreContract } from './room-store.contract.js';

roomStoreContract('in memory', () => ({ store: new MemoryRoomStore() }));
