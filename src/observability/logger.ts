/**
 * The process logger. JSON to stdout (in batches: a write per line halves throughput; see
 * lib/log-sink.ts) in production; pretty, colourised and synchronous on a terminal.
 * Secrets are redacted by path wherever they appear in a log object.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/load.js';
import { stdoutSink } from './log-sink.js';

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
  '*.ALERT_WEBHOOK_URL',
  '*.SLACK_WEBHOOK_URL',
  '*.DISCORD_WEBHOOK_URL',
  '*.DATABASE_URL',
  '*.REDIS_URL',
  'password',
  'token',
  'secret',
  'authorization',
];

/**
 * pino's isoTime, formatted at most once per millisecond: under load many lines share a
 * millisecond, and Date#toISOString is a measurable part of each line's cost. Same output.
 */
let lastMs = -1;
let lastTime = '';
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const base: Record<string, string> = {};
  if (config.RAILWAY_SERVICE_NAME) base.service = config.RAILWAY_SERVICE_NAME;
  if (config.RAILWAY_ENVIRONMENT_NAME) base.env = config.RAILWAY_ENVIRONMENT_NAME;
  if (config.RAILWAY_DEPLOYMENT_ID) base.deploymentId = config.RAILWAY_DEPLOYMENT_ID;
  if (config.RAILWAY_REPLICA_ID) base.replicaId = config.RAILWAY_REPLICA_ID;
  // Short SHA: enough to tell two deployments' lines apart during an overlap, cheap on every line.
  if (config.RAILWAY_GIT_COMMIT_SHA) base.commit = config.RAILWAY_GIT_COMMIT_SHA.slice(0, 12);

  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    base,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: isoTime,
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
  // Batched writes to stdout: see lib/log-sink.ts for why not pino.destination.
  return pino(options, stdoutSink());
}
