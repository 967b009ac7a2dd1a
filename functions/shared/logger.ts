/** Structured JSON logs (powertools), one logger per function; its level is set here, never through process.env. */
import { Logger } from '@aws-lambda-powertools/logger';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export function createLogger(functionName: string, logLevel?: LogLevel): Logger {
  return new Logger({ serviceName: 'iot-realtime', persistentKeys: { function: functionName }, ...(logLevel ? { logLevel } : {}) });
}
