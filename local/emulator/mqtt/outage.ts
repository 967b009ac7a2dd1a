/**
 * Local testing, not AWS behaviour: the outage knob. Drops every MQTT socket as a network outage would and refuses
 * new ones for a while; persistent sessions survive, so QoS 1 messages published meanwhile are delivered on reconnect.
 */
import type { WebSocketServer } from 'ws';
import type { EmulatorLogger } from '../log.js';

export class OutageKnob {
  #refusingUntil = 0;

  constructor(
    private readonly wss: WebSocketServer,
    private readonly logger: EmulatorLogger,
  ) {}

  /** Is an outage being simulated now (new sockets are refused)? */
  get refusing(): boolean {
    return Date.now() < this.#refusingUntil;
  }

  /** Drops every socket and refuses new ones for `refuseForMs`; returns how many were dropped. */
  simulate(refuseForMs: number): number {
    this.#refusingUntil = Date.now() + refuseForMs;
    const dropped = this.wss.clients.size;
    for (const ws of this.wss.clients) ws.terminate();
    this.logger.log({ level: 'warn', message: 'simulated outage: MQTT sockets dropped', dropped, refuseForMs });
    return dropped;
  }
}
