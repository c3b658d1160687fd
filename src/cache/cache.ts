/**
 * A small JSON cache with per-entry TTL: Redis while the hub says it is up (shared by every
 * instance), an in-process LRU otherwise or when a Redis call fails. A cache miss is always a safe
 * answer, so nothing here throws.
 *
 * Writes go to the store in use; deletes go to both, so an entry removed while Redis was up is not
 * served later from the LRU after a fallback (and vice versa).
 */
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisHub } from '../redis/redis-hub.js';

export interface CacheOptions {
  /** Key prefix in Redis, e.g. "railfast:cache:". */
  prefix: string;
  /** Entries kept in memory. */
  maxEntries?: number;
  /** TTL when set() is called without one. */
  defaultTtlMs?: number;
}

export class Cache {
  readonly #memory: LRUCache<string, { v: unknown }>;
  readonly #prefix: string;
  readonly #defaultTtlMs: number;
  #hits = 0;
  #misses = 0;
  #redisErrors = 0;

  constructor(
    private readonly hub: RedisHub,
    private readonly log: FastifyBaseLogger,
    options: CacheOptions,
  ) {
    this.#prefix = options.prefix;
    this.#defaultTtlMs = options.defaultTtlMs ?? 60_000;
    this.#memory = new LRUCache({ max: options.maxEntries ?? 1000, ttl: this.#defaultTtlMs, ttlAutopurge: false });
  }

  /** Where reads and writes go right now. */
  get store(): 'redis' | 'memory' {
    return this.hub.up ? 'redis' : 'memory';
  }

  async get<T>(key: string): Promise<T | undefined> {
    const value = this.hub.up ? await this.#redis(() => this.#getRedis(key), () => this.#memory.get(key)?.v) : this.#memory.get(key)?.v;
    if (value === undefined) this.#misses++;
    else this.#hits++;
    return value as T | undefined;
  }

  async set(key: string, value: unknown, ttlMs = this.#defaultTtlMs): Promise<void> {
    const inMemory = () => void this.#memory.set(key, { v: value }, { ttl: ttlMs });
    if (!this.hub.up) return inMemory();
    await this.#redis(async () => void (await this.hub.client!.set(this.#prefix + key, JSON.stringify(value), 'PX', ttlMs)), inMemory);
  }

  async del(key: string): Promise<void> {
    this.#memory.delete(key);
    if (this.hub.up) await this.#redis(async () => void (await this.hub.client!.del(this.#prefix + key)), () => undefined);
  }

  stats() {
    return { store: this.store, memoryEntries: this.#memory.size, hits: this.#hits, misses: this.#misses, redisErrors: this.#redisErrors };
  }

  async #getRedis(key: string): Promise<unknown> {
    const raw = await this.hub.client!.get(this.#prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  async #redis<T>(op: () => Promise<T>, fallback: () => T): Promise<T> {
    try {
      return await op();
    } catch (err) {
      this.#redisErrors++;
      this.log.debug({ err }, 'cache: redis call failed, using memory');
      return fallback();
    }
  }
}
