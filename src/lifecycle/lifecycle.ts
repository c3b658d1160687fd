/**
 * Lifecycle: the draining flag that /ready reads, the "drain" and "shutdown-requested" events, and
 * named shutdown steps.
 *
 * A component registers its step as it starts (`app.lifecycle.onShutdown(name, fn)`); each step
 * becomes one of Fastify's own onClose hooks, which run after in-flight requests have finished and
 * in reverse registration order (workers before queues before Redis before the database). Steps
 * that must run after all of those (flushing Sentry and alert deliveries, which the others may
 * still produce) use `afterShutdown`. Every step is timed in the log, and the one running is
 * named by drain.ts if the deadline passes.
 */
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';

export type ShutdownFn = () => Promise<unknown> | unknown;

export class Lifecycle extends EventEmitter<{ drain: [reason: string]; 'shutdown-requested': [reason: string, exitCode: number] }> {
  readonly startedAt = new Date();
  #draining = false;
  #reason: string | null = null;
  /** Step names in registration order; they run in reverse. */
  readonly #steps: string[] = [];
  readonly #after: { name: string; run: ShutdownFn }[] = [];
  /** The shutdown step running now; named in the log if the deadline passes. */
  current: string | null = null;

  constructor(
    private readonly log: FastifyBaseLogger,
    /** Registers a function as an onClose hook of the app (Fastify runs them last-in, first-out). */
    private readonly addCloseHook: (fn: () => Promise<void>) => void,
  ) {
    super();
  }

  get draining(): boolean {
    return this.#draining;
  }
  get drainReason(): string | null {
    return this.#reason;
  }

  /** Run `close` at shutdown, before the steps registered earlier than it. */
  onShutdown(name: string, close: ShutdownFn): void {
    this.#steps.push(name);
    this.addCloseHook(() => this.runStep(name, close));
  }

  /** Run `close` at the very end of shutdown, after every onShutdown step (in registration order). */
  afterShutdown(name: string, close: ShutdownFn): void {
    this.#after.push({ name, run: close });
  }

  /** Step names in the order they will run. */
  get shutdownOrder(): string[] {
    return [...[...this.#steps].reverse(), ...this.#after.map((s) => s.name)];
  }

  /** Flip readiness to 503. Idempotent. */
  startDrain(reason: string): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#reason = reason;
    this.emit('drain', reason);
  }

  /**
   * Ask the process to drain and exit (guards such as the memory limit). drain.ts listens; in tests
   * with no listener this only flips readiness.
   */
  requestShutdown(reason: string, exitCode = 1): void {
    this.startDrain(reason);
    this.emit('shutdown-requested', reason, exitCode);
  }

  /** The afterShutdown steps; called by the lifecycle plugin's own (first-registered, so last-run) onClose hook. */
  async runAfterSteps(): Promise<void> {
    for (const s of this.#after) await this.runStep(s.name, s.run);
    this.current = null;
  }

  async runStep(name: string, close: ShutdownFn): Promise<void> {
    this.current = name;
    const t0 = performance.now();
    try {
      await close();
      this.log.info({ handler: name, durationMs: Math.round(performance.now() - t0) }, `shutdown: closed ${name}`);
    } catch (err) {
      this.log.error({ err, handler: name, durationMs: Math.round(performance.now() - t0) }, `shutdown: ${name} failed`);
    }
  }
}
