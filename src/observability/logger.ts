/**
 * The process logger: pino, JSON lines on stdout in production, pretty and colourised on a
 * terminal. Credentials are redacted wherever a log object carries them: the variables marked
 * secret in the config schema (top level, or under `config` / `env`), authorization and cookie
 * headers, and common credential field names.
 *
 * Redaction uses exact paths rather than pino's `*.field` wildcards: a wildcard path makes pino
 * walk every key of every line, which costs more than writing the line (docs/ARCHITECTURE.md,
 * performance). A credential nested deeper than these paths must not be logged in the first place.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/load.js';
import { SECRET_KEYS, URL_KEYS } from '../config/schema.js';
import { maskText } from '../shared/mask.js';

/** Field names that hold credentials wherever they appear at the top of a log object, or of its body / user / headers. */
const CREDENTIAL_FIELDS = ['password', 'newPassword', 'token', 'accessToken', 'refreshToken', 'secret', 'apiKey', 'authorization', 'cookie'];

export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['', 'body.', 'user.', 'headers.', 'credentials.'].flatMap((at) => CREDENTIAL_FIELDS.map((f) => at + f)),
  ...[...SECRET_KEYS, ...URL_KEYS].flatMap((k) => [k, `config.${k}`, `env.${k}`]),
];

/**
 * pino's error serializer, then credentials masked in the message and stack (a driver's error can
 * quote its connection URL). Runs only for lines that carry an error.
 */
export function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  if (typeof out.message === 'string') out.message = maskText(out.message);
  if (typeof out.stack === 'string') out.stack = maskText(out.stack);
  return out;
}

/** How long a log line may wait in the stdout buffer when traffic is light. */
const FLUSH_EVERY_MS = 250;

export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const base: Record<string, string> = {};
  if (config.RAILWAY_SERVICE_NAME) base.service = config.RAILWAY_SERVICE_NAME;
  if (config.RAILWAY_ENVIRONMENT_NAME) base.env = config.RAILWAY_ENVIRONMENT_NAME;
  if (config.RAILWAY_DEPLOYMENT_ID) base.deploymentId = config.RAILWAY_DEPLOYMENT_ID;
  if (config.RAILWAY_REPLICA_ID) base.replicaId = config.RAILWAY_REPLICA_ID;
  // Short SHA: enough to tell two deployments' lines apart during an overlap.
  if (config.RAILWAY_GIT_COMMIT_SHA) base.commit = config.RAILWAY_GIT_COMMIT_SHA.slice(0, 12);

  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    base,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: { err: serializeError },
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
  return pino(options, bufferedStdout());
}

let stdout: ReturnType<typeof pino.destination> | undefined;
/**
 * pino's buffered stdout, as its "asynchronous logging" recipe does it but written synchronously,
 * so nothing is in flight when the process exits: one write per ~4 KB instead of one per line,
 * flushed on a timer when traffic is light and at exit. One per process, so lines stay in order.
 */
function bufferedStdout(): ReturnType<typeof pino.destination> {
  if (stdout) return stdout;
  const dest = pino.destination({ dest: 1, minLength: 4096, sync: true });
  setInterval(() => dest.flush(), FLUSH_EVERY_MS).unref();
  process.on('exit', () => dest.flushSync());
  return (stdout = dest);
}
