/**
 * The id of the request (or job) being served, without threading it through every call:
 * an AsyncLocalStorage entered once per request, read by the outbound HTTP client to forward
 * X-Request-Id so a trace joins up across services.
 *
 * Entering a store costs a noticeable share of a trivial request and follows every promise the
 * request creates, so it is entered only for routes that can make outbound calls (not the ops
 * endpoints; see request-context.plugin.ts), and code that has an id at hand can pass it
 * explicitly instead (`{ requestId }`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/** The current request or job id, if the caller runs inside one. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}

/** Run `fn` (and everything it awaits) with `id` as the current request id. */
export function runWithRequestId<T>(id: string, fn: () => T): T {
  return storage.run(id, fn);
}
