import mqttPacket, { type IConnackPacket } from 'mqtt-packet';
import { mqtt5RefusalConnack } from '../mqtt5-connack.js';

/** Decodes bytes as an MQTT 5 client does (mqtt-packet's parser, protocol version 5). */
function decodeV5(bytes: Buffer): IConnackPacket {
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const packets: IConnackPacket[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => packets.push(p as IConnackPacket));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(bytes);
  expect(errors).toEqual([]);
  expect(packets).toHaveLength(1);
  return packets[0]!;
}

describe('mqtt5RefusalConnack (MQTT 5.0 section 3.2)', () => {
  const refusal = { reasonCode: 0x84, reasonString: 'MQTT 5 is not emulated' };

  it('is an MQTT 5 CONNACK: no session present, the reason code, the Reason String property (0x1F)', () => {
    const bytes = mqtt5RefusalConnack(refusal);
    // Fixed header 0x20, remaining length, acknowledge flags 0, reason code 0x84, properties length, 0x1F, UTF-8 string.
    expect([...bytes.subarray(0, 4)]).toEqual([0x20, bytes.length - 2, 0x00, 0x84]);
    expect(bytes[5]).toBe(0x1f);
    expect(decodeV5(bytes)).toMatchObject({ cmd: 'connack', sessionPresent: false, reasonCode: 0x84, properties: { reasonString: 'MQTT 5 is not emulated' } });
  });

  it('is not the 4-byte MQTT 3.1.1 CONNACK (20 02 00 01) an MQTT 5 client cannot decode', () => {
    expect(mqtt5RefusalConnack(refusal).equals(Buffer.from([0x20, 0x02, 0x00, 0x01]))).toBe(false);
  });

  it('leaves the Reason String out when the packet would exceed the Maximum Packet Size of the CONNECT [MQTT-3.2.2-19]', () => {
    const full = mqtt5RefusalConnack(refusal);
    expect(mqtt5RefusalConnack(refusal, full.length)).toEqual(full);
    const bare = mqtt5RefusalConnack(refusal, full.length - 1);
    expect([...bare]).toEqual([0x20, 0x03, 0x00, 0x84, 0x00]);
    expect(decodeV5(bare)).toMatchObject({ reasonCode: 0x84 });
    expect(decodeV5(bare).properties?.reasonString).toBeUndefined();
  });
});
