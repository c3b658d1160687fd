/**
 * Lifecycle: the draining flag that /ready reads, and the registry of shutdown handlers.
 *
 * Components register a handler as they start (`app.lifecycle.onShutdown(name, fn)`); on close
 * the handlers run one at a time in reverse start order (workers before queues before Redis before
 * the database), each timed in the log. Fastify runs onClose hooks after in-flight requests have
 * completed, so nothing a request still needs is closed under it.
 */
import { EventEmitter } from 'node:events';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';

type ShutdownFn = () => Promise<unknown> | unknown;

export class Lifecycle extends EventEmitter<{ drain: [reason: string]; 'shutdown-requested': [reason: string, exitCode: number] }> {
  readonly startedAt = new Date();
  #draining = false;
  #reason: string | null = null;
  #handlers: { name: string; close: ShutdownFn }[] = [];
  /** The shutdown step running now; named in the log if the deadline passes. */
  current: string | null = null;

  get draining(): boolean {
    return this.#draining;
  }
  get drainReason(): string | null {
    return this.#reason;
  }

  onShutdown(name: string, close: ShutdownFn): void {
    this.#handlers.push({ name, close });
  }

  /** Handler names in the order they will run. */
  get shutdownOrder(): string[] {
    return this.#handlers.map((h) => h.name).reverse();
  }

  /** Flip readiness to 503. Idempotent. */
  startDrain(reason: string): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#reason = reason;
    this.emit('drain', reason);
  }

  /**
   * Ask the process to drain and exit (used by guards such as the memory limit). The entry point
   * (drain.ts) listens; in tests with no listener this only flips readiness.
   */
  requestShutdown(reason: string, exitCode = 1): void {
    this.startDrain(reason);
    this.emit('shutdown-requested', reason, exitCode);
  }

  async runShutdownHandlers(log: FastifyBaseLogger): Promise<void> {
    for (const h of [...this.#handlers].reverse()) {
      this.current = h.name;
      const t0 = performance.now();
      try {
        await h.close();
        log.info({ handler: h.name, durationMs: Math.round(performance.now() - t0) }, `shutdown: closed ${h.name}`);
      } catch (err) {
        log.error({ err, handler: h.name, durationMs: Math.round(performance.now() - t0) }, `shutdown: ${h.name} failed`);
      }
    }
    this.current = null;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

export default fp(
  async (app) => {
    const lifecycle = new Lifecycle();
    app.decorate('lifecycle', lifecycle);
    app.addHook('onClose', async (instance) => {
      lifecycle.startDrain('closing');
      await lifecycle.runShutdownHandlers(instance.log);
    });
  },
  { name: 'lifecycle' },
);
