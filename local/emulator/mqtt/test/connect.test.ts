import { ConnectAuthenticator, ConnectRefusedError } from '../connect.js';
import { IOT_CORE_LIMITS } from '../limits.js';
import { anyone, arn, testAccount, testConnection, testLog, tester } from './fakes.js';

function setup(user = tester, options: { sourceIp?: string } = {}) {
  const account = testAccount();
  const log = testLog();
  const step = new ConnectAuthenticator({ account, arn, limits: IOT_CORE_LIMITS, logger: log.logger });
  const connection = testConnection(account, user, options);
  return { step, connection, log };
}

describe('ConnectAuthenticator.accept: the CONNECT packet before aedes acts on it', () => {
  it('records the requested client id and clamps keep-alive to [30, 1200] s (0 means 1200)', () => {
    const { step, connection } = setup();
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 0, protocolVersion: 4 })).toBe(1200);
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 5, protocolVersion: 4 })).toBe(30);
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 90, protocolVersion: 4 })).toBe(90);
    expect(step.accept(connection, { clientId: 'tester-1', keepalive: 4000, protocolVersion: 4 })).toBe(1200);
    expect(connection.requestedClientId).toBe('tester-1');
  });

  it('warns that MQTT 5 is not emulated, and stays quiet for 3.1.1', () => {
    const { step, connection, log } = setup();
    step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 4 });
    expect(log.entries).toEqual([]);
    step.accept(connection, { clientId: 'tester-1', keepalive: 60, protocolVersion: 5 });
    expect(log.entries).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('MQTT 3.1.1 only'), protocolVersion: 5 })]);
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
    expect(step.authenticate(connection, { requestedClientId: 'alice', clientId: 'alice', clean: true })).toEqual({ allowed: false, returnCode: 5, message: 'not authorized' });
    expect(connection.clientId).toBeUndefined();
    expect(connection.disconnectReason).toBe('AUTHORIZATION_ERROR');
    expect(log.denials()).toEqual([
      expect.objectContaining({ action: 'iot:Connect', who: 'user/tester (client alice)', resource: 'arn:aws:iot:us-east-1:000000000000:client/alice', reason: expect.stringContaining('allows it') }),
    ]);
  });

  it('evaluates conditions on the source IP of the upgrade', () => {
    const { step, connection } = setup(tester, { sourceIp: '10.9.9.9' });
    expect(step.authenticate(connection, { requestedClientId: 'tester-1', clientId: 'tester-1', clean: true })).toMatchObject({ allowed: false, returnCode: 5 });
  });

  it('refuses an empty client id without clean session with CONNACK 2 (MQTT-3.1.3-8), before any policy', () => {
    const { step, connection, log } = setup(anyone);
    expect(step.authenticate(connection, { requestedClientId: '', clientId: 'aedes_generated', clean: false })).toEqual({ allowed: false, returnCode: 2, message: 'identifier rejected' });
    expect(log.denials()).toEqual([expect.objectContaining({ action: 'iot:Connect', resource: '(empty client id)' })]);
    const clean = setup(anyone);
    expect(clean.step.authenticate(clean.connection, { requestedClientId: '', clientId: 'aedes_generated', clean: true })).toEqual({ allowed: true });
  });

  it('refuses client ids starting with $ or over 128 bytes with CONNACK 2, even when the policy allows everything', () => {
    const { step, connection } = setup(anyone);
    expect(step.authenticate(connection, { requestedClientId: '$x', clientId: '$x', clean: true })).toMatchObject({ allowed: false, returnCode: 2, message: expect.stringMatching(/reserved/) });
    const long = 'é'.repeat(65);
    expect(step.authenticate(connection, { requestedClientId: long, clientId: long, clean: true })).toMatchObject({ allowed: false, returnCode: 2, message: expect.stringMatching(/130 bytes/) });
    expect(step.authenticate(connection, { requestedClientId: 'c'.repeat(128), clientId: 'c'.repeat(128), clean: true })).toEqual({ allowed: true });
  });

  it('turns a verdict into the error aedes answers CONNACK with', () => {
    const error = new ConnectRefusedError(5, 'not authorized');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ returnCode: 5, message: 'not authorized' });
  });
});
