/**
 * Calls a URL through the outbound client (src/outbound): per-attempt timeout, retries with backoff
 * for idempotent methods, and the target host's circuit breaker (an open breaker fails the attempt
 * at once; the queue retries the job later). A non-2xx answer fails the attempt.
 *
 * Sends Idempotency-Key: <job id> (the queue may run a job more than once; a receiver can dedupe on
 * it) and X-Request-Id: <job id> (to find the job from the receiver's logs). Hosts are limited by
 * HTTP_JOB_ALLOWED_HOSTS, since API clients choose the URL, and redirects are not followed (one
 * could point anywhere).
 */
import { Type } from 'typebox';
import { defineJob } from '../registry.js';
import { hostAllowed, jobAllowedHosts } from '../../outbound/context.js';
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
  handler: async ({ url, method = 'GET' }, ctx) => {
    const target = new URL(url);
    if (!hostAllowed(target, jobAllowedHosts(ctx.config))) {
      throw new Error(`host "${target.host}" is not allowed by HTTP_JOB_ALLOWED_HOSTS`);
    }
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
        // A redirect could lead to a host HTTP_JOB_ALLOWED_HOSTS does not allow: never follow one.
        redirect: 'manual',
      });
    } catch (err) {
      // The client's messages are generic (they may reach API clients); say what happened here.
      if (err instanceof CircuitOpenError)
        throw new Error(`${method} ${url}: circuit breaker for ${err.host} is open, retry in ${err.retryAfter}s`, { cause: err });
      if (err instanceof UpstreamTimeoutError) throw new Error(`${method} ${url} timed out after ${err.timeoutMs} ms`, { cause: err });
      if (err instanceof UpstreamUnreachableError) throw new Error(`${method} ${url} unreachable (${err.reason})`, { cause: err });
      throw err;
    }
    const body = await preview(res);
    if (res.status >= 300 && res.status < 400) {
      throw new Error(`${method} ${url} answered ${res.status} (redirect to ${res.headers.get('location') ?? 'nowhere'} not followed)`);
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
