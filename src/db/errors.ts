/**
 * What a database error means for the caller, whichever layer produced it: pg (node socket errors,
 * SQLSTATE codes), @prisma/adapter-pg / pglite-prisma-adapter (DriverAdapterError kinds) or the
 * Prisma client (P-codes wrapping either). One classifier, used by the guard, the breaker, the
 * retry policy and the health check, so "down" means the same thing everywhere.
 */
import { HttpError, ServiceUnavailableError } from '../http/errors.js';

/** Node socket errors that mean "no usable connection". */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
/** Prisma codes for connection trouble: can't reach, timed out, server closed, pool timeout, too many connections. */
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Driver-adapter error kinds for connection trouble. */
const ADAPTER_CONNECTION_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** Messages pg uses for connections that died or never opened (these errors carry no code). */
const CONNECTION_MESSAGE =
  /connection terminated|connection timeout|timeout exceeded when trying to connect|client has encountered a connection error|connection (is )?(closed|ended)|cannot use a pool after calling end|query read timeout|server closed the connection|the database system is (starting up|shutting down|in recovery mode)/i;

/** 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections; class 08 = connection exception. */
const isConnectionSqlState = (code: string) =>
  code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code.startsWith('08');
/** 40001 serialization failure, 40P01 deadlock: the transaction rolled back and may simply be run again. */
const isConflictSqlState = (code: string) => code === '40001' || code === '40P01';

interface Facts {
  codes: string[];
  kinds: string[];
  messages: string[];
}

/** Walk the error, its `cause` chain and Prisma's `meta.driverAdapterError`, collecting codes, kinds and messages. */
function facts(err: unknown): Facts {
  const out: Facts = { codes: [], kinds: [], messages: [] };
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 6) return;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.code === 'string') out.codes.push(o.code);
    if (typeof o.originalCode === 'string') out.codes.push(o.originalCode);
    if (typeof o.kind === 'string') out.kinds.push(o.kind);
    if (typeof o.message === 'string') out.messages.push(o.message);
    if (typeof o.originalMessage === 'string') out.messages.push(o.originalMessage);
    visit(o.cause, depth + 1);
    const meta = o.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === 'object') visit(meta.driverAdapterError, depth + 1);
  };
  visit(err, 0);
  return out;
}

/** No usable connection to the database (refused, reset, terminated, timed out connecting, server shutting down). */
export function isConnectionError(err: unknown): boolean {
  const f = facts(err);
  return (
    f.codes.some((c) => SOCKET_CODES.has(c) || PRISMA_CONNECTION_CODES.has(c) || isConnectionSqlState(c)) ||
    f.kinds.some((k) => ADAPTER_CONNECTION_KINDS.has(k)) ||
    f.messages.some((m) => CONNECTION_MESSAGE.test(m))
  );
}

/** Serialization failure or deadlock (the transaction was rolled back; running it again is safe). */
export function isConflictError(err: unknown): boolean {
  const f = facts(err);
  return f.codes.some((c) => isConflictSqlState(c) || c === 'P2034') || f.kinds.includes('TransactionWriteConflict');
}

/** Messages pg uses when a wait ran out (these errors carry no code). */
const TIMEOUT_MESSAGE = /timeout exceeded when trying to connect|connection timeout|query read timeout/i;

/**
 * A wait ran out: statement timeout (57014), connect or pool-acquire timeout, socket timeout,
 * Prisma's interactive-transaction timeout. The database may be there but slow or saturated.
 */
export function isTimeoutError(err: unknown): boolean {
  const f = facts(err);
  return (
    f.codes.some((c) => c === '57014' || c === 'P1002' || c === 'P1008' || c === 'P2024' || c === 'ETIMEDOUT') ||
    f.kinds.includes('SocketTimeout') ||
    f.messages.some((m) => TIMEOUT_MESSAGE.test(m)) ||
    (f.codes.includes('P2028') && f.messages.some((m) => /expired transaction/i.test(m)))
  );
}

/**
 * Worth running again after a short pause: a dropped or refused connection (the pool opens a new
 * one), or a serialization failure / deadlock (the transaction rolled back). Not timeouts: each
 * retry would wait as long again and add load to a database that is already struggling.
 */
export const isTransient = (err: unknown) => (isConnectionError(err) && !isTimeoutError(err)) || isConflictError(err);

/** Counts against the circuit breaker and answers 503: the database is unreachable or not answering in time. */
export const isInfrastructureFailure = (err: unknown) => isConnectionError(err) || isTimeoutError(err);

/** A short, safe reason for health output and logs: no host names, no credentials, no SQL. */
export function describeDbError(err: unknown): string {
  const f = facts(err);
  const socket = f.codes.find((c) => SOCKET_CODES.has(c));
  const sqlState = f.codes.find((c) => /^[0-9A-Z]{5}$/.test(c) && !/^P\d{4}$/.test(c));
  if (socket === 'ECONNREFUSED' || f.kinds.includes('DatabaseNotReachable')) return 'connection refused (ECONNREFUSED)';
  if (socket === 'ECONNRESET') return 'connection reset (ECONNRESET)';
  if (socket === 'ETIMEDOUT') return 'connection timed out (ETIMEDOUT)';
  if (socket === 'ENOTFOUND' || socket === 'EAI_AGAIN') return `host not found (${socket})`;
  if (socket) return `connection error (${socket})`;
  if (sqlState === '57P01' || sqlState === '57P02') return `server shut down the connection (${sqlState})`;
  if (sqlState === '57P03') return 'server is starting up (57P03)';
  if (sqlState === '53300' || f.kinds.includes('TooManyConnections')) return 'too many connections (53300)';
  if (sqlState === '57014') return 'statement timeout (57014)';
  const msg = f.messages.find((m) => CONNECTION_MESSAGE.test(m));
  if (msg) return msg.split('\n')[0]!.slice(0, 120);
  // Other server-side errors (bad password, unknown database...): Postgres's own words are safe to show.
  if (sqlState && f.messages[0]) return `${f.messages[0].split('\n')[0]!.slice(0, 120)} (${sqlState})`;
  return 'database error';
}

/** The 503 every caller sees while the database is unavailable. */
export function unavailable(retryAfterSeconds: number, cause?: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'Database unavailable, retry later',
    Math.max(1, Math.ceil(retryAfterSeconds)),
    'DATABASE_UNAVAILABLE',
    cause,
  );
}

/**
 * Prisma errors that have an HTTP meaning: P2002 unique violation → 409, P2025 record not found →
 * 404. HttpErrors pass through. Anything else is returned unchanged: the error handler answers 500
 * without internals and logs the original.
 */
export function toHttpError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  const e = err as { code?: unknown; meta?: Record<string, unknown> } | null;
  if (!e || typeof e !== 'object') return err;
  if (e.code === 'P2002') {
    const fields = uniqueFields(e.meta);
    const what = fields.length ? fields.join(', ') : 'unique value';
    return new HttpError(409, `A record with this ${what} already exists`, { code: 'CONFLICT', details: { fields }, cause: err });
  }
  if (isSchemaBehind(err)) {
    return new ServiceUnavailableError(
      'The database schema is behind this version of the service: migrations are pending',
      30,
      'SCHEMA_OUT_OF_DATE',
      err,
    );
  }
  if (e.code === 'P2025') {
    const model = typeof e.meta?.modelName === 'string' ? e.meta.modelName : 'Record';
    return new HttpError(404, `${model} not found`, { code: 'NOT_FOUND', cause: err });
  }
  return err;
}

/** A table or column the code expects does not exist: migrations have not been applied. */
export function isSchemaBehind(err: unknown): boolean {
  const f = facts(err);
  return (
    f.codes.some((c) => c === 'P2021' || c === 'P2022' || c === '42P01' || c === '42703') ||
    f.kinds.some((k) => k === 'TableDoesNotExist' || k === 'ColumnNotFound')
  );
}

/** Column names of a unique violation, from whichever shape the adapter reported. */
function uniqueFields(meta: Record<string, unknown> | undefined): string[] {
  if (!meta) return [];
  if (Array.isArray(meta.target)) return meta.target.map(String);
  const cause = (meta.driverAdapterError as { cause?: { constraint?: { fields?: unknown; index?: unknown }; table?: unknown } } | undefined)
    ?.cause;
  const constraint = cause?.constraint;
  if (Array.isArray(constraint?.fields)) return constraint.fields.map((f) => String(f).replace(/^"|"$/g, ''));
  // Prisma names unique indexes <table>_<columns>_key: recover the columns for the message.
  const index = constraint?.index;
  if (typeof index === 'string' && typeof cause?.table === 'string' && index.startsWith(`${cause.table}_`) && index.endsWith('_key')) {
    return [index.slice(cause.table.length + 1, -'_key'.length)];
  }
  return [];
}
