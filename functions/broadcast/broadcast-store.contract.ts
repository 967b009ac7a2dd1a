/** The behaviour every BroadcastStore must have, run against DynamoDB (dynalite) and the in-memory store. */
import { newSortableId } from '../../core/ids.js';
import type { BroadcastStore } from './broadcast-store.js';

export function broadcastStoreContract(name: string, setup: () => { store: BroadcastStore }): void {
  describe(`BroadcastStore contract: ${name}`, () => {
    it('keeps broadcasts and returns the newest, oldest first', async () => {
      const { store } = setup();
      const T0 = Date.UTC(2030, 0, 1);
      const sent = Array.from({ length: 5 }, (_, n) => ({
        messageId: newSortableId(T0 + n * 1000),
        from: 'alice',
        fromName: 'Alice',
        text: `announcement ${n}`,
        sentAt: new Date(T0 + n * 1000).toISOString(),
      }));
      // Out of order: the store orders by id (time).
      for (const b of [sent[2]!, sent[0]!, sent[4]!, sent[1]!, sent[3]!]) await store.put(b);
      expect(await store.recent(3)).toEqual(sent.slice(2));
      expect((await store.recent(10)).map((b) => b.text)).toEqual(sent.map((b) => b.text));
    });
  });
}
