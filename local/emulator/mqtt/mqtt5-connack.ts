/**
 * The bytes of the MQTT 5 CONNACK that refuses a CONNECT (the emulator's broker writes MQTT 3.1.1 otherwise).
 * MQTT 5.0 section 3.2: fixed header, Connect Acknowledge Flags (session present 0), the Connect Reason Code, then
 * properties; the Reason String property is left out when it would make the packet larger than the Maximum Packet
 * Size the client declared ([MQTT-3.2.2-19]).
 * https://docs.oasis-open.org/mqtt/mqtt/v5.0/os/mqtt-v5.0-os.html (section 3.2, CONNACK)
 */
import mqttPacket from 'mqtt-packet';

export interface Mqtt5Refusal {
  reasonCode: number;
  reasonString: string;
}

/** `clientMaximumPacketSize`: the CONNECT's Maximum Packet Size property, if it had one. */
export function mqtt5RefusalConnack(refusal: Mqtt5Refusal, clientMaximumPacketSize?: number): Buffer {
  const withReason = mqttPacket.generate(
    { cmd: 'connack', sessionPresent: false, reasonCode: refusal.reasonCode, properties: { reasonString: refusal.reasonString } },
    { protocolVersion: 5 },
  );
  if (clientMaximumPacketSize === undefined || withReason.length <= clientMaximumPacketSize) return withReason;
  return mqttPacket.generate({ cmd: 'connack', sessionPresent: false, reasonCode: refusal.reasonCode }, { protocolVersion: 5 });
}
