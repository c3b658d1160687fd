/**
 * `app.redis`: the RedisHub (redis-hub.ts): status, `up`/`down` events other plugins
 * listen to, and connections for BullMQ. REDIS_URL is optional and Redis is never critical: when
 * it is unset or down, /ready stays 200, /health says "degraded" (only when it is configured but
 * unreachable) and the queue and cache fall back to in-process equivalents.
 */
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { maskUrl } from '../shared/mask.js';
import { RedisHub } from './redis-hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisHub;
  }
}

/** How long boot waits for a first connection before starting on the fallbacks. */
const BOOT_WAIT_MS = 2000;
const PING_TIMEOUT_MS = 1000;

export default fp(
  async (app) => {
    const url = app.config.REDIS_URL;
    const hub = new RedisHub(url, app.log.child({ component: 'redis' }));
    app.decorate('redis', hub);

    // Unset is a choice, not a fault: no check then (the queue's mode and stats say "local").
    if (url) {
      app.health.register({
        name: 'redis',
        critical: false,
        timeoutMs: PING_TIMEOUT_MS + 200,
        mode: () => `redis (${hostOf(url)})`,
        check: async () => ({ pingMs: await hub.ping(PING_TIMEOUT_MS) }),
      });
    }
    if (url) {
      // Only when Redis is configured: an unlabelled gauge always has a value, and 0 would read as "down".
      new Gauge({
        name: 'redis_up',
        help: '1 when Redis is connected, 0 when it is configured but not connected',
        registers: [app.metrics.registry],
        collect() {
          this.set(hub.up ? 1 : 0);
        },
      });
    }
    app.health.addStats('redis', () => ({ status: hub.status, url: url ? maskUrl(url) : null, lastError: hub.lastError }));

    await hub.start(BOOT_WAIT_MS);
    app.lifecycle.onShutdown('redis', () => hub.close());
  },
  { name: 'redis', dependencies: ['config', 'lifecycle', 'health', 'metrics'] },
);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'configured';
  }
}
