/**
 * RedisHub: the one place that knows whether Redis is usable right now.
 *
 * It owns the command connection (PING, cache) and hands out extra connections for BullMQ with
 * the options each role needs. Other components never watch ioredis themselves: they listen to
 * the hub's `up` / `down` events (emitted on transitions only) and read `status`.
 *
 * Redis is optional: with no URL the hub is `disabled`, never emits, and everything falls back
 * to in-process equivalents.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '../shared/backoff.js';
import { settlesWithin, withTimeout } from '../shared/timeout.js';

export type RedisStatus = 'disabled' | 'connecting' | 'up' | 'down';

/** command: our own calls (cache, PING); producer: BullMQ Queue; worker: BullMQ Worker. */
export type ConnectionRole = 'command' | 'producer' | 'worker';

/** Reconnect delay: 100 ms doubling per attempt, capped at 2 s so a returning Redis is seen fast. */
export const reconnectDelay = (times: number): number => backoffDelay(times, { initialMs: 100, maxMs: 2000 });

export function connectionOptions(role: ConnectionRole): RedisOptions {
  const base: RedisOptions = {
    // Railway's private network (*.railway.internal) may resolve to IPv6 only.
    family: 0,
    connectTimeout: 2000,
    retryStrategy: reconnectDelay,
    lazyConnect: true,
  };
  switch (role) {
    // Fail fast instead of queueing commands while disconnected: an HTTP request must not hang
    // on Redis; callers fall back (memory cache, local queue).
    case 'command':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 };
    case 'producer':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    // BullMQ requires workers to retry blocking commands forever.
    case 'worker':
      return { ...base, maxRetriesPerRequest: null };
  }
}

export class RedisHub extends EventEmitter<{ up: []; down: [reason: string] }> {
  #client: Redis | null = null;
  /** ioredis, loaded in start() only when a URL is configured (it costs boot time otherwise). */
  #Redis: typeof Redis | null = null;
  #status: RedisStatus;
  #lastError: string | null = null;
  #monitor: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    readonly url: string | undefined,
    private readonly log: FastifyBaseLogger,
    private readonly monitorMs = 5000,
  ) {
    super();
    this.#status = url ? 'connecting' : 'disabled';
  }

  /** The command connection (cache, PING); null when Redis is not configured. */
  get client(): Redis | null {
    return this.#client;
  }

  get status(): RedisStatus {
    return this.#status;
  }
  get up(): boolean {
    return this.#status === 'up';
  }
  get lastError(): string | null {
    return this.#lastError;
  }

  #set(next: 'up' | 'down', reason = '') {
    if (this.#closing) return;
    const prev = this.#status;
    if (prev === next) return;
    this.#status = next;
    if (next === 'up') {
      this.#lastError = null;
      this.log.info({ redis: 'up' }, prev === 'connecting' ? 'redis connected' : 'redis is back');
      this.emit('up');
    } else if (prev === 'up') {
      this.log.warn({ redis: 'down', reason }, `redis lost: ${reason}`);
      this.emit('down', reason);
    } else {
      this.log.warn({ redis: 'down', reason }, `redis unavailable: ${reason}`);
    }
  }

  /**
   * Connect and wait up to `waitMs` for the first attempt to succeed or fail; never throws (Redis
   * is optional: when it is not there we start without it and switch when it comes).
   */
  async start(waitMs = 2000): Promise<void> {
    if (!this.url) return;
    // ioredis is CommonJS: require() skips the ESM loader's export scan (~0.07 s less CPU at boot).
    this.#Redis = (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
    const client = new this.#Redis(this.url, { ...connectionOptions('command'), connectionName: 'railfast:command' });
    this.#client = client;
    client.on('ready', () => this.#set('up'));
    client.on('close', () => this.#set('down', this.#lastError ?? 'connection closed'));
    // ioredis emits 'error' for every failed (re)connect; without a listener Node would crash.
    client.on('error', (err: Error) => {
      this.#lastError = err.message || (err as NodeJS.ErrnoException).code || 'connection error';
    });
    const ready = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done).off('close', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      client.once('ready', done).once('close', done);
    });
    // With lazyConnect a failed first attempt rejects here, yet ioredis keeps retrying.
    client.connect().catch(() => {});
    await ready;
    if (this.#status === 'connecting') this.#set('down', this.#lastError ?? `not ready after ${waitMs} ms`);
    // A half-open socket (peer gone without FIN) never emits 'close': PING now and then, and
    // force a reconnect when it does not answer, so `down` is noticed within a few seconds.
    this.#monitor = setInterval(() => void this.#probe(), this.monitorMs).unref();
  }

  async #probe() {
    if (this.#status !== 'up' || !this.client) return;
    try {
      await this.ping(Math.min(2000, this.monitorMs));
    } catch (err) {
      this.#lastError = (err as Error).message;
      this.client.disconnect(true);
    }
  }

  /** PING with a deadline; resolves with the round trip in ms. */
  async ping(timeoutMs: number): Promise<number> {
    if (!this.client) throw new Error('REDIS_URL is not set');
    if (this.#status !== 'up') throw new Error(this.#lastError ?? `redis is ${this.#status}`);
    const t0 = performance.now();
    const client = this.client;
    await withTimeout(timeoutMs, () => client.ping(), `PING timed out after ${timeoutMs} ms`);
    return Math.round((performance.now() - t0) * 10) / 10;
  }

  /**
   * A new connection for `role`, already connecting (the caller closes it); null when Redis is not
   * configured. Started here rather than left lazy: given a lazy client, BullMQ returns the promise
   * of `connect()`, and when Redis went away during that first connect (a restart, a test killing
   * it) the rejection surfaced as an unhandled "Connection is closed." A connecting client is
   * awaited through its 'ready' / 'close' events instead.
   * Once `stop` is aborted it no longer reconnects, nor do its duplicates (BullMQ's Worker copies it
   * for its blocking reads), so closing while Redis is gone ends their sockets instead of retrying
   * forever and keeping the process alive.
   */
  connection(role: Exclude<ConnectionRole, 'command'>, name: string, stop?: AbortSignal): Redis | null {
    if (!this.url || !this.#Redis) return null;
    const retryStrategy = (times: number) => (stop?.aborted ? null : reconnectDelay(times));
    const client = new this.#Redis(this.url, { ...connectionOptions(role), retryStrategy, connectionName: `railfast:${name}` });
    client.connect().catch(() => {}); // failures are reported through 'error' / 'close' and retried
    return client;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#monitor);
    const client = this.client;
    if (!client || client.status === 'end') return;
    // QUIT lets Redis finish what we sent; bounded, then cut the socket.
    await settlesWithin(1000, client.quit());
    client.disconnect();
  }
}
