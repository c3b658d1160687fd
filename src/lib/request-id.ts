import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What we accept from a client or proxy: short, printable, no spaces or quotes (log-injection safe). */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify genReqId: honour a safe inbound X-Request-Id so traces join up across services. */
export function genReqId(req: IncomingMessage): string {
  const inbound = req.headers[REQUEST_ID_HEADER];
  return typeof inbound === 'string' && SAFE_ID.test(inbound) ? inbound : randomUUID();
}
