/**
 * What RealtimeClient needs from an MQTT connection: the app uses sdkTransport (aws-iot-device-sdk-v2), tests a fake.
 */
import type { RefreshingCredentials } from './credentials.js';

export interface TransportEvents {
  connected(sessionPresent: boolean): void;
  interrupted(reason: string): void;
  resumed(sessionPresent: boolean): void;
  failed(reason: string): void;
  closed(): void;
}

export interface Transport {
  /** Resolves on the first CONNACK; the transport reconnects by itself afterwards. */
  connect(): Promise<void>;
  /** QoS 1 subscription; the transport re-subscribes after reconnects. */
  subscribe(topicFilter: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TransportOptions {
  endpoint: string;
  clientId: string;
  credentials: RefreshingCredentials;
  events: TransportEvents;
}

export type TransportFactory = (options: TransportOptions) => Transport;
