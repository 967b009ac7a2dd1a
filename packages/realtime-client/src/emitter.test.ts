import { TypedEmitter } from './emitter.js';

interface Events {
  ping: { n: number };
  text: string;
}

class Emitter extends TypedEmitter<Events> {
  fire<K extends keyof Events>(name: K, event: Events[K]) {
    this.emit(name, event);
  }
}

describe('TypedEmitter', () => {
  it('calls the listeners of that event only, in the order they were added', () => {
    const emitter = new Emitter();
    const got: string[] = [];
    emitter.on('ping', ({ n }) => got.push(`a${n}`));
    emitter.on('ping', ({ n }) => got.push(`b${n}`));
    emitter.on('text', (t) => got.push(t));
    emitter.fire('ping', { n: 1 });
    emitter.fire('text', 'hello');
    expect(got).toEqual(['a1', 'b1', 'hello']);
    expect(emitter.listenerCount('ping')).toBe(2);
  });

  it('lets a listener remove itself while the event is delivered', () => {
    const emitter = new Emitter();
    const got: number[] = [];
    const off = emitter.on('ping', ({ n }) => {
      got.push(n);
      off();
    });
    emitter.on('ping', ({ n }) => got.push(n * 10));
    emitter.fire('ping', { n: 1 });
    emitter.fire('ping', { n: 2 });
    expect(got).toEqual([1, 10, 20]);
    expect(emitter.listenerCount('ping')).toBe(1);
  });

  it("re-throws a listener's error later by default, after the other listeners ran", async () => {
    const emitter = new Emitter();
    const got: string[] = [];
    emitter.on('text', () => {
      throw new Error('boom');
    });
    emitter.on('text', (t) => got.push(t));
    const thrown = new Promise<unknown>((resolve) => {
      const original = globalThis.setTimeout;
      // Catch the deferred throw instead of letting it crash the test process.
      globalThis.setTimeout = ((fn: () => void) => {
        globalThis.setTimeout = original;
        try {
          fn();
        } catch (error) {
          resolve(error);
        }
        return 0;
      }) as typeof globalThis.setTimeout;
    });
    expect(() => emitter.fire('text', 'still delivered')).not.toThrow();
    expect(got).toEqual(['still delivered']);
    expect(await thrown).toEqual(new Error('boom'));
  });
});
