/**
 * Calls a URL through the outbound client (src/outbound): per-attempt timeout, retries with backoff
 * for idempotent methods, and the target host's circuit breaker (an open breaker fails the attempt
 * at once; the queue retries the job later). A non-2xx answer fails the attempt.
 *
 * Sends Idempotency-Key: <job id> (the queue may run a job more than once; a receiver can dedupe on
 * it) and X-Request-Id: <job id> (to find the job from the receiver's logs). API clients choose
 * the URL, so every call is guarded (src/outbound/target-guard.ts): hosts limited by
 * HTTP_JOB_ALLOWED_HOSTS, no loopback/private/metadata address unless OUTBOUND_ALLOW_PRIVATE names
 * it, the checked address is the one connected to, and no redirect is followed. A refused target
 * is a 400 at submission; what the job stores as its error stays generic (which ports answer is
 * not the submitter's to learn), and the log keeps the detail.
 */
import { Type } from 'typebox';
import { defineJob } from '../registry.js';
import { CircuitOpenError, UpstreamTimeoutError, UpstreamUnreachableError } from '../../outbound/errors.js';
import { IDEMPOTENT_METHODS } from '../../outbound/retry.js';

/** Enough of the body to see what came back without storing a large document in the ledger. */
const BODY_PREVIEW_BYTES = 2048;

async function preview(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < BODY_PREVIEW_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, BODY_PREVIEW_BYTES).toString('utf8');
}

export default defineJob({
  type: 'http',
  public: true,
  demo: true,
  description: 'Calls `url` with `method` (default GET) through the outbound HTTP client',
  payload: Type.Object(
    {
      url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
      method: Type.Optional(
        Type.Union([
          Type.Literal('GET'),
          Type.Literal('HEAD'),
          Type.Literal('POST'),
          Type.Literal('PUT'),
          Type.Literal('PATCH'),
          Type.Literal('DELETE'),
          Type.Literal('OPTIONS'),
        ]),
      ),
    },
    { additionalProperties: false },
  ),
  check: ({ url }, { http }) => http.checkTarget(url),
  handler: async ({ url, method = 'GET' }, ctx) => {
    const target = new URL(url);
    const t0 = performance.now();
    let res;
    try {
      res = await ctx.http.request(target, {
        method,
        signal: ctx.signal,
        requestId: ctx.jobId,
        headers: { 'idempotency-key': ctx.jobId },
        // Client-level retries for idempotent methods only; the queue's own retries cover the rest.
        idempotent: IDEMPOTENT_METHODS.has(method),
        // Checked target, pinned address, no redirect followed (one could point anywhere).
        guarded: true,
      });
    } catch (err) {
      // Stored and shown to the submitter: generic. The detail (reason, address) goes to the log.
      ctx.log.warn({ err, url, method }, 'http job: request failed');
      if (err instanceof CircuitOpenError) throw new Error(`${method} ${url}: circuit breaker open, retry in ${err.retryAfter}s`, { cause: err });
      if (err instanceof UpstreamTimeoutError) throw new Error(`${method} ${url} timed out after ${err.timeoutMs} ms`, { cause: err });
      if (err instanceof UpstreamUnreachableError) throw new Error(`${method} ${url}: no answer`, { cause: err });
      throw new Error(`${method} ${url}: request failed`, { cause: err });
    }
    const body = await preview(res);
    if (res.status >= 300 && res.status < 400) {
      throw new Error(`${method} ${url} answered ${res.status} (redirects are not followed)`);
    }
    if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    return {
      status: res.status,
      attempts: res.attempts,
      durationMs: Math.round(performance.now() - t0),
      contentType: res.headers.get('content-type'),
      body,
    };
  },
});
