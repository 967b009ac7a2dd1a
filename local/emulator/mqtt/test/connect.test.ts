import { PolicyAuthorizer } from '../authorizer.js';
import { ConnectAuthenticator, ConnectRefusedError, MQTT5_REFUSAL } from '../connect.js';
import { IOT_CORE_LIMITS } from '../limits.js';
import { anyone, arn, testAccount, testConnection, tester, testLog } from './fakes.js';

function setup(user = tester, options: { sourceIp?: string } = {}) {
  const account = testAccount();
  const log = testLog();
  const step = new ConnectAuthenticator({ account, arn, limits: IOT_CORE_LIMITS, logger: log.logger, policy: new PolicyAuthorizer({ account, arn }) });
  const connection = testConnection(account, user, { ...options, logger: log.logger });
  return { step, connection, log };
}

describe('ConnectAuthenticator.accept: the CONNECT packet before aedes acts on it', () => {
  it('records the requested client id and clamps keep-alive to [30, 1200] s (0 means 1200)', () => {
    const { step, connection } = setup();
    const keepAlive = (keepalive: number) => step.accept(connection, { clientId: 'tester-1', keepalive, protocolVersion: 4 });
    expect([0, 5, 90, 4000].map(keepAlive)).toEqual([1200, 30, 90, 1200].map((s) => ({ accepted: true, keepAlive: s })));
    expect(connection.requestedClientId).toBe('tester-1');
  });

  it('refuses MQTT 5 with an MQTT 5 CONNACK 0x84 (MQTT 5.0 section 3.2.2.2), logged as a denial; 3.1.1 passes quietly', () => {
    const { step, connection, log } = setup();
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 4 })).toEqual({ accepted: true, keepAlive: 60 });
    expect(log.entries).toEqual([]);
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 5 })).toEqual({
      accepted: false,
      error: MQTT5_REFUSAL,
      connack: { protocolVersion: 5, reasonCode: 0x84, reasonString: MQTT5_REFUSAL },
    });
    expect(log.denials()).toEqual([
      expect.objectContaining({ action: 'iot:Connect', resource: arn('client', 'tester-1'), reason: expect.stringContaining('MQTT 5 is not emulated') }),
    ]);
    // No disconnect reason: the client was never registered, so no lifecycle event follows.
    expect(connection.disconnectReason).toBeUndefined();
  });

  it('answers an MQTT 5 CONNECT with 0x84 even when its Last Will breaks a limit (the version is read first)', () => {
    const { step, connection } = setup();
    const will = { topic: 'test/will', qos: 2, retain: false, payloadBytes: 1 };
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 5, will })).toMatchObject({
      accepted: false,
      connack: { reasonCode: 0x84 },
    });
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 4, will })).toEqual({
      accepted: false,
      error: expect.stringContaining('QoS 2'),
    });
  });
});

describe('ConnectAuthenticator.authenticate: client id rules, then iot:Connect', () => {
  it('allows a client id the policy grants and gives the connection that id', () => {
    const { step, connection, log } = setup();
    expect(step.authenticate(connection, { requestedClientId: 'tester-1', clientId: 'tester-1', clean: true })).toEqual({ allowed: true });
    expect(connection.clientId).toBe('tester-1');
    expect(log.denials()).toEqual([]);
  });

  it('refuses another client id with CONNACK 5 (not authorized), and logs the client ARN and the reason', () => {
    const { step, connection, log } = setup();
    connection.requestedClientId = 'alice';
    expect(step.authenticate(connection, { requestedClientId: 'alice', clientId: 'alice', clean: true })).toEqual({
      allowed: false,
      returnCode: 5,
      message: 'not authorized',
      connectFailed: true,
    });
    expect(connection.clientId).toBeUndefined();
    expect(connection.disconnectReason).toBe('AUTH_ERROR');
    expect(log.denials()).toEqual([
      expect.objectContaining({
        action: 'iot:Connect',
        who: 'user/tester (client alice)',
        resource: 'arn:aws:iot:us-east-1:000000000000:client/alice',
        reason: expect.stringContaining('allows it'),
      }),
    ]);
  });

  it('evaluates conditions on the source IP of the upgrade', () => {
    const { step, connection } = setup(tester, { sourceIp: '10.9.9.9' });
    expect(step.authenticate(connection, { requestedClientId: 'tester-1', clientId: 'tester-1', clean: true })).toMatchObject({
      allowed: false,
      returnCode: 5,
    });
  });

  it('refuses an empty client id without clean session with CONNACK 2 (MQTT-3.1.3-8), before any policy', () => {
    const { step, connection, log } = setup(anyone);
    expect(step.authenticate(connection, { requestedClientId: '', clientId: 'aedes_generated', clean: false })).toEqual({
      allowed: false,
      returnCode: 2,
      message: 'identifier rejected',
      connectFailed: false,
    });
    expect(log.denials()).toEqual([expect.objectContaining({ action: 'iot:Connect', resource: '(empty client id)' })]);
    const clean = setup(anyone);
    expect(clean.step.authenticate(clean.connection, { requestedClientId: '', clientId: 'aedes_generated', clean: true })).toEqual({ allowed: true });
  });

  it('refuses client ids starting with $ or over 128 bytes with CONNACK 2, even when the policy allows everything', () => {
    const { step, connection } = setup(anyone);
    expect(step.authenticate(connection, { requestedClientId: '$x', clientId: '$x', clean: true })).toMatchObject({
      allowed: false,
      returnCode: 2,
      message: expect.stringMatching(/reserved/),
    });
    const long = 'é'.repeat(65);
    expect(step.authenticate(connection, { requestedClientId: long, clientId: long, clean: true })).toMatchObject({
      allowed: false,
      returnCode: 2,
      message: expect.stringMatching(/130 bytes/),
    });
    expect(step.authenticate(connection, { requestedClientId: 'c'.repeat(128), clientId: 'c'.repeat(128), clean: true })).toEqual({ allowed: true });
  });

  it('accepts client ids with + or # (IoT only sends them no lifecycle events)', () => {
    const { step, connection } = setup(anyone);
    for (const id of ['a+b', 'a#b', '#', '+'])
      expect(step.authenticate(connection, { requestedClientId: id, clientId: id, clean: true })).toEqual({ allowed: true });
  });

  it('refuses a CONNECT whose Last Will topic the policy does not allow to publish: CONNACK 5 and a connect_failed verdict', () => {
    const { step, connection, log } = setup();
    const will = { topic: 'other/will', qos: 1, retain: false, payloadBytes: 4 };
    expect(step.authenticate(connection, { requestedClientId: 'tester-1', clientId: 'tester-1', clean: true, will })).toEqual({
      allowed: false,
      returnCode: 5,
      message: 'not authorized (Last Will topic)',
      connectFailed: true,
    });
    expect(log.denials()).toEqual([
      expect.objectContaining({ action: 'iot:Publish', resource: arn('topic', 'other/will'), reason: expect.stringContaining('(Last Will)') }),
    ]);
    // A retained will needs iot:RetainPublish too (granted only under test/retained/*).
    const retained = setup();
    expect(
      retained.step.authenticate(retained.connection, {
        requestedClientId: 'tester-1',
        clientId: 'tester-1',
        clean: true,
        will: { ...will, topic: 'test/w', retain: true },
      }),
    ).toMatchObject({ allowed: false, returnCode: 5 });
    const allowed = setup();
    expect(
      allowed.step.authenticate(allowed.connection, {
        requestedClientId: 'tester-1',
        clientId: 'tester-1',
        clean: true,
        will: { ...will, topic: 'test/retained/w', retain: true },
      }),
    ).toEqual({ allowed: true });
  });

  it('closes without CONNACK a CONNECT whose Last Will has QoS 2, breaks a topic rule or exceeds 128 KB', () => {
    for (const will of [
      { topic: 'test/w', qos: 2, retain: false, payloadBytes: 1 },
      { topic: '$aws/events/x', qos: 0, retain: false, payloadBytes: 1 },
      { topic: 'test/w', qos: 1, retain: false, payloadBytes: 128 * 1024 + 1 },
    ]) {
      const { step, connection, log } = setup();
      expect(step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 4, will })).toMatchObject({
        accepted: false,
        error: expect.any(String),
      });
      expect(connection.disconnectReason).toBe('CLIENT_ERROR');
      expect(log.denials()).toHaveLength(1);
    }
  });

  it('turns a verdict into the error aedes answers CONNACK with', () => {
    const error = new ConnectRefusedError(5, 'not authorized');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ returnCode: 5, message: 'not authorized' });
  });
});
