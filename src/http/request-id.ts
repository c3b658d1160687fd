import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What we accept from a client or proxy: short, printable, no spaces or quotes (log-injection safe). */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Generated ids are `<12 hex chars>-<counter in base 36>`: the random prefix is drawn once per
 * process (48 bits: distinct across replicas and restarts), the counter makes each id unique
 * within the process, e.g. `3f9c0a7e51d2-1z4`. Why not randomUUID: a UUID per request costs
 * several times more (random bytes, formatting, refilling the entropy cache), on every request,
 * and nothing needs an id to be unguessable; only unique and safe to log and forward (it passes
 * SAFE_ID, so another instance of this service honours it).
 */
const PREFIX = `${randomBytes(6).toString('hex')}-`;
let counter = 0;

export function newRequestId(): string {
  return PREFIX + (++counter).toString(36);
}

/** Fastify genReqId: honour a safe inbound X-Request-Id so traces join up across services. */
export function genReqId(req: IncomingMessage): string {
  const inbound = req.headers[REQUEST_ID_HEADER];
  return typeof inbound === 'string' && SAFE_ID.test(inbound) ? inbound : newRequestId();
}
