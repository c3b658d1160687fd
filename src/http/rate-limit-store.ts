/**
 * The counters behind @fastify/rate-limit, through its public custom-store interface: in Redis
 * while the hub says it is up (replicas share them), in memory otherwise or when a Redis call fails,
 * so a request never fails, and is never waved through, because Redis did. The plugin's own
 * `redis` option binds one client for the life of the app and either fails or (skipOnError) stops
 * limiting when Redis goes away: hence this store. While on memory each replica counts on its
 * own, and counters do not carry over between the two.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { RedisHub } from '../redis/redis-hub.js';

type Result = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Result) => void;

/** INCR, and start the window on the first hit; returns the count and the window's remaining ms. */
const INCR_WINDOW = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { current, ttl }`;

type RedisWithWindow = Redis & { rateLimitWindow(key: string, windowMs: number): Promise<[number, number]> };

export interface StoreEvents {
  /** Called when the store in use changes (for one log line per switch, not one per request). */
  onSwitch(kind: 'redis' | 'memory', reason?: string): void;
}

/** One fixed window per key in process memory, bounded in size. */
class MemoryWindows {
  readonly #windows = new LRUCache<string, { count: number; resetAt: number }>({ max: 10_000 });

  incr(key: string, windowMs: number): Result {
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) this.#windows.set(key, (w = { count: 0, resetAt: now + windowMs }));
    w.count++;
    return { current: w.count, ttl: w.resetAt - now };
  }
}

export function switchingStore(hub: RedisHub, prefix: string, events: StoreEvents): new () => FastifyRateLimitStore {
  const memory = new MemoryWindows();
  let children = 0;
  let kind: 'redis' | 'memory' | null = null;
  const use = (next: 'redis' | 'memory', reason?: string) => {
    if (next === kind) return;
    kind = next;
    events.onSwitch(next, reason);
  };
  const redis = (): RedisWithWindow | null => {
    const client = hub.up ? hub.client : null;
    if (!client) return null;
    if (!('rateLimitWindow' in client)) client.defineCommand('rateLimitWindow', { numberOfKeys: 1, lua: INCR_WINDOW });
    return client as RedisWithWindow;
  };

  class Store implements FastifyRateLimitStore {
    // Not a constructor parameter: @fastify/rate-limit calls `new Store(itsOptions)`, which turned
    // every key into "[object Object]<ip>", shared by every app on the Redis whatever its prefix.
    keyPrefix = prefix;

    incr(key: string, cb: Callback, timeWindow: number): void {
      const fallback = (reason: string) => {
        use('memory', reason);
        cb(null, memory.incr(this.keyPrefix + key, timeWindow));
      };
      const client = redis();
      if (!client) return fallback('redis is not up');
      client.rateLimitWindow(this.keyPrefix + key, timeWindow).then(
        ([current, ttl]) => {
          use('redis');
          cb(null, { current, ttl });
        },
        (err: Error) => fallback(err.message),
      );
    }

    /** A route with its own limit counts separately (the plugin passes the route as `routeInfo`). */
    child(options: object): FastifyRateLimitStore {
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const store = new Store();
      store.keyPrefix = `${this.keyPrefix}${String(route?.method ?? '')}${String(route?.url ?? `child-${++children}`)}:`;
      return store;
    }
  }
  return Store;
}
