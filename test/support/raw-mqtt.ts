/** A raw MQTT 3.1.1 exchange over WebSocket, for what well-behaved clients refuse to send (e.g. an empty client id). */
import mqttPacket from 'mqtt-packet';
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
