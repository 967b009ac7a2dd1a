/**
 * A raw MQTT 3.1.1 exchange over WebSocket, for what well-behaved clients refuse to send (an empty client id, a QoS 2
 * SUBSCRIBE, a packet that lies about its length) or cannot do (drop the TCP connection without a Close frame).
 */
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { WebSocket } from 'ws';

/** Sends one CONNECT and resolves with the CONNACK return code (or 'closed' if the socket closed first). */
export function rawConnect(url: string, fields: { clientId: string; clean: boolean; keepalive?: number }): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['mqtt']);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        resolve(packet.returnCode ?? -1);
        ws.close();
      }
    });
    ws.on('message', (data: Buffer) => parser.parse(data));
    ws.on('close', () => resolve('closed'));
    ws.on('error', reject);
    ws.on('open', () => {
      // Encoded by hand: mqtt-packet's generator itself refuses an empty client id without clean session.
      const id = Buffer.from(fields.clientId, 'utf8');
      const keepalive = fields.keepalive ?? 60;
      const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, fields.clean ? 0x02 : 0x00, keepalive >> 8, keepalive & 0xff]);
      const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
      const remaining = variable.length + payload.length;
      if (remaining > 127) throw new Error('rawConnect supports short packets only');
      ws.send(Buffer.concat([Buffer.from([0x10, remaining]), variable, payload]));
    });
  });
}

/** An MQTT client made of a WebSocket and mqtt-packet: it sends exactly the bytes a test asks for. */
export class RawMqttClient {
  readonly received: Packet[] = [];
  /** Resolves with the WebSocket close code once the socket is closed. */
  readonly closed: Promise<number>;
  #closedCode: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => this.received.push(packet));
    ws.on('message', (data: Buffer) => parser.parse(data));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.#closedCode = code;
        resolve(code);
      }),
    );
  }

  /** Opens the socket (resolves once open; rejects with the HTTP status of a refused upgrade). */
  static open(url: string, headers: Record<string, string> = {}): Promise<RawMqttClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['mqtt'], { headers });
      ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.on('error', reject);
      ws.on('open', () => resolve(new RawMqttClient(ws)));
    });
  }

  /** Opens the socket and connects; resolves with the CONNACK. */
  static async connect(url: string, connect: Partial<IConnectPacket> & { clientId: string }): Promise<{ client: RawMqttClient; returnCode: number }> {
    const client = await RawMqttClient.open(url);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, ...connect });
    const connack = await client.next('connack');
    return { client, returnCode: connack.returnCode ?? -1 };
  }

  get isClosed(): boolean {
    return this.#closedCode !== undefined;
  }

  send(packet: Packet): void {
    this.ws.send(mqttPacket.generate(packet));
  }

  sendBytes(bytes: Buffer): void {
    this.ws.send(bytes);
  }

  /** Resolves with the first packet of this kind (taking it), or rejects after `withinMs` or when the socket closes. */
  async next<C extends Packet['cmd']>(cmd: C, withinMs = 3000): Promise<Extract<Packet, { cmd: C }>> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const index = this.received.findIndex((p) => p.cmd === cmd);
      if (index !== -1) return this.received.splice(index, 1)[0] as Extract<Packet, { cmd: C }>;
      if (this.isClosed) throw new Error(`the connection closed before a ${cmd} packet`);
      if (Date.now() > deadline) throw new Error(`no ${cmd} packet within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends with a WebSocket Close frame (what a browser tab does), without an MQTT DISCONNECT. */
  closeFrame(): Promise<number> {
    this.ws.close(1000);
    return this.closed;
  }

  /** Drops the TCP connection without any Close frame: a lost network, as the broker sees it. */
  drop(): Promise<number> {
    this.ws.terminate();
    return this.closed;
  }
}
