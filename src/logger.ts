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

/** Longest a log line waits in the buffer when traffic is light. */
const LOG_FLUSH_MS = 50;

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
  // Lines are written in batches of about 4 KB (one write per ~25 access lines instead of one per
  // line: each write is a syscall on libuv's thread pool, which cost more CPU than the line itself);
  // a timer flushes what is pending every LOG_FLUSH_MS, so no line waits longer than that when
  // traffic is light. pino flushes synchronously on exit (drain, crash, process.exit).
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  if (config.LOG_LEVEL !== 'silent') {
    // Skip the write when nothing is buffered (`_len` is SonicBoom's internal count; if it ever
    // goes away this simply flushes every time).
    const buffered = stream as unknown as { _len?: number };
    setInterval(() => buffered._len !== 0 && stream.flush(), LOG_FLUSH_MS).unref();
  }
  return pino(options, stream);
}
