/**
 * The process logger. JSON to stdout (asynchronously buffered: a synchronous write per line
 * halves throughput) in production; pretty, colourised and synchronous on a terminal.
 * Secrets are redacted by path wherever they appear in a log object.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from './config/index.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.ADMIN_TOKEN',
  '*.METRICS_TOKEN',
  '*.SENTRY_DSN',
  '*.DATABASE_URL',
  '*.REDIS_URL',
  'password',
  'token',
  'secret',
  'authorization',
];

export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const base: Record<string, string> = {};
  if (config.RAILWAY_SERVICE_NAME) base.service = config.RAILWAY_SERVICE_NAME;
  if (config.RAILWAY_ENVIRONMENT_NAME) base.env = config.RAILWAY_ENVIRONMENT_NAME;
  if (config.RAILWAY_DEPLOYMENT_ID) base.deploymentId = config.RAILWAY_DEPLOYMENT_ID;
  if (config.RAILWAY_REPLICA_ID) base.replicaId = config.RAILWAY_REPLICA_ID;

  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    base,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  if (config.LOG_PRETTY) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
      },
    });
  }
  return pino(options, pino.destination({ dest: 1, sync: false}));
}
