/**
 * The one way to call other services over HTTP. Built on Node's fetch (undici), adding:
 *   - a deadline per attempt (AbortSignal.timeout; it also bounds reading the body), combined with
 *     the caller's own signal (a job's timeout or shutdown);
 *   - retries with backoff and jitter, only for idempotent requests and transient failures
 *     (retry.ts), honouring Retry-After within a cap;
 *   - a circuit breaker per target host (breakers.ts); an open breaker fails fast with
 *     CircuitOpenError (503 + Retry-After if it reaches a client);
 *   - X-Request-Id forwarded: `requestId` if given, else the current request's id
 *     (request-context.ts).
 * Non-2xx responses are returned, like fetch; only "no usable response" throws (errors.ts).
 *
 * Retries are a loop of our own rather than cockatiel's retry policy: the decision depends on the
 * call (method, Idempotency-Key, replayable body), on the response (Retry-After, with "do not wait
 * that long" as an answer), and the wait must end when the caller's signal fires.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError } from 'cockatiel';
import { currentRequestId } from '../http/request-context.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { BreakerRegistry } from './breakers.js';
import { CircuitOpenError, UpstreamTimeoutError, UpstreamUnreachableError } from './errors.js';
import { IDEMPOTENT_METHODS, RETRY_STATUSES, backoffDelay, delayAfterResponse } from './retry.js';
import { OutboundTargetRefusedError, pinnedAgent, type CheckedTarget, type TargetGuard } from './target-guard.js';

export interface HttpClientOptions {
  breakers: BreakerRegistry;
  /** Per-attempt deadline. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Cap on the backoff and on an honoured Retry-After. */
  maxDelayMs: number;
  /** First backoff step. Default 200. */
  baseDelayMs?: number;
  /** Sent as User-Agent unless the call sets one. */
  userAgent?: string;
  /** Checks URLs from untrusted input (`guarded` calls, checkTarget): target-guard.ts. */
  guard?: TargetGuard;
}

export interface OutboundRequest {
  method?: string;
  headers?: RequestInit['headers'];
  /** Strings, bytes and URLSearchParams can be re-sent; a stream body disables retries. */
  body?: RequestInit['body'];
  /** Overrides the client's per-attempt deadline. */
  timeoutMs?: number;
  /** Overrides the client's retry count. */
  retries?: number;
  /** The caller's own cancellation (job timeout, shutdown). Ends waits between attempts too. */
  signal?: AbortSignal;
  /** Forwarded as X-Request-Id; default: the current request's id. */
  requestId?: string;
  /** Retry even a non-idempotent method (default: idempotent methods, or any request carrying an Idempotency-Key). */
  idempotent?: boolean;
  /** 'follow' (default) or 'manual' (return the 3xx: for URLs from untrusted input, so a redirect cannot reach another host). */
  redirect?: 'follow' | 'manual';
  /**
   * The URL comes from untrusted input: check it with the client's TargetGuard (allow-list, no
   * private addresses), connect only to the address checked, follow no redirect. A refused target
   * throws OutboundTargetRefusedError (400) before anything is sent.
   */
  guarded?: boolean;
}

/** A fetch Response plus how many attempts it took. */
export type OutboundResponse = Response & { readonly attempts: number };

export interface OutboundStats {
  requests: number;
  retries: number;
  /** Calls that ended without a usable response (timeout, unreachable, breaker open). */
  failures: number;
  /** Calls refused because the host's breaker was open. */
  rejectedOpen: number;
}

/** Returned from inside the breaker when the caller aborted: not the host's fault, not a failure. */
class CallerAborted {
  constructor(readonly reason: unknown) {}
}

const replayable = (body: RequestInit['body']) =>
  body == null ||
  typeof body === 'string' ||
  body instanceof URLSearchParams ||
  body instanceof ArrayBuffer ||
  ArrayBuffer.isView(body) ||
  body instanceof Blob;

export class HttpClient {
  readonly breakers: BreakerRegistry;
  readonly stats: OutboundStats = { requests: 0, retries: 0, failures: 0, rejectedOpen: 0 };
  readonly #opts: Required<Omit<HttpClientOptions, 'userAgent' | 'breakers' | 'guard'>> & { userAgent?: string };
  readonly #guard?: TargetGuard;

  constructor(opts: HttpClientOptions) {
    this.breakers = opts.breakers;
    this.#opts = { baseDelayMs: 200, ...opts };
    this.#guard = opts.guard;
  }

  /** Throws OutboundTargetRefusedError (400 OUTBOUND_TARGET_REFUSED) unless a guarded call to `url` would be allowed. */
  async checkTarget(url: string | URL): Promise<void> {
    await this.#check(url);
  }

  #check(url: string | URL): Promise<CheckedTarget> {
    if (!this.#guard) return Promise.reject(new OutboundTargetRefusedError('no target guard configured'));
    return this.#guard.check(url);
  }

  async request(input: string | URL, req: OutboundRequest = {}): Promise<OutboundResponse> {
    const url = new URL(input);
    const host = url.host;
    const method = (req.method ?? 'GET').toUpperCase();
    // Caller mistakes must throw here, not inside the breaker where they would count against the host.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`outbound URL must be http(s), got "${url.protocol}"`);
    if ((method === 'GET' || method === 'HEAD') && req.body != null) throw new TypeError(`${method} request cannot have a body`);
    const headers = new Headers(req.headers);
    const requestId = req.requestId ?? currentRequestId();
    if (requestId && !headers.has(REQUEST_ID_HEADER)) headers.set(REQUEST_ID_HEADER, requestId);
    if (this.#opts.userAgent && !headers.has('user-agent')) headers.set('user-agent', this.#opts.userAgent);

    const idempotent = req.idempotent ?? (IDEMPOTENT_METHODS.has(method) || headers.has('idempotency-key'));
    const maxRetries = idempotent && replayable(req.body) ? (req.retries ?? this.#opts.retries) : 0;
    const timeoutMs = req.timeoutMs ?? this.#opts.timeoutMs;
    const target = req.guarded ? await this.#check(url) : undefined;
    const init: RequestInit = { method, headers, body: req.body ?? null, redirect: target ? 'manual' : (req.redirect ?? 'follow') };
    const policy = this.breakers.policy(host);
    this.stats.requests++;

    for (let attempt = 1; ; attempt++) {
      let outcome: Response | CallerAborted;
      try {
        outcome = await policy.execute(() => this.#attempt(url, init, host, timeoutMs, req.signal, target));
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          this.stats.rejectedOpen++;
          this.stats.failures++;
          throw new CircuitOpenError(host, this.breakers.retryAfterSeconds(host));
        }
        if (attempt > maxRetries || req.signal?.aborted) {
          this.stats.failures++;
          throw err;
        }
        await this.#wait(backoffDelay(attempt, this.#opts.baseDelayMs, this.#opts.maxDelayMs), req.signal);
        continue;
      }
      if (outcome instanceof CallerAborted) throw outcome.reason;

      const res = outcome;
      const delay =
        RETRY_STATUSES.has(res.status) && attempt <= maxRetries
          ? delayAfterResponse(res, attempt, this.#opts.baseDelayMs, this.#opts.maxDelayMs)
          : null;
      if (delay === null) return Object.defineProperty(res, 'attempts', { value: attempt }) as OutboundResponse;
      await res.body?.cancel().catch(() => {}); // release the connection before waiting
      await this.#wait(delay, req.signal);
    }
  }

  /** One attempt; throws only the failures that count against the host's breaker. */
  async #attempt(url: URL, init: RequestInit, host: string, timeoutMs: number, caller?: AbortSignal, target?: CheckedTarget): Promise<Response | CallerAborted> {
    const deadline = AbortSignal.timeout(timeoutMs);
    // A guarded call connects only to the address that was checked (no DNS rebinding).
    const agent = target ? await pinnedAgent(target, timeoutMs) : undefined;
    try {
      const res = await fetch(url, { ...init, signal: caller ? AbortSignal.any([caller, deadline]) : deadline, ...(agent ? { dispatcher: agent } : {}) } as RequestInit);
      // Closes once the response body has been read or cancelled.
      void agent?.close().catch(() => {});
      return res;
    } catch (err) {
      void agent?.destroy().catch(() => {});
      if (caller?.aborted) return new CallerAborted(caller.reason);
      if (deadline.aborted) throw new UpstreamTimeoutError(host, timeoutMs);
      throw new UpstreamUnreachableError(host, err);
    }
  }

  async #wait(ms: number, signal?: AbortSignal): Promise<void> {
    this.stats.retries++;
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw signal?.reason ?? new Error('aborted');
    }
  }
}
