/** An MQTT 3.1.1 client over an in-memory stream, for tests that drive a real Aedes instance without a socket. */
import { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** An MQTT client on the other end of an in-memory stream: what aedes sees as a connection. */
export class MemoryClient {
  readonly received: Packet[] = [];
  readonly stream: Duplex;
  closed = false;

  constructor() {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => this.received.push(packet));
    this.stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        parser.parse(chunk);
        callback();
      },
    });
    this.stream.on('close', () => {
      this.closed = true;
    });
  }

  send(packet: Packet): void {
    this.stream.push(mqttPacket.generate(packet));
  }

  async next<C extends Packet['cmd']>(cmd: C, withinMs = 2000): Promise<Extract<Packet, { cmd: C }>> {
    await waitFor(() => this.received.some((p) => p.cmd === cmd), withinMs, `a ${cmd} packet`);
    const index = this.received.findIndex((p) => p.cmd === cmd);
    return this.received.splice(index, 1)[0] as Extract<Packet, { cmd: C }>;
  }
}

/** Polls `condition` every 10 ms; fails naming `what` after `withinMs`. */
export async function waitFor(condition: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
