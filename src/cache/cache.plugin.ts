/**
 * `app.cache`: get/set/del of JSON values with a TTL, in Redis when it is up and in an in-process
 * LRU otherwise (cache.ts). Used by GET /api/v1/jobs/:id for finished jobs.
 */
import fp from 'fastify-plugin';
import { Cache } from './cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    cache: Cache;
  }
}

export default fp(
  async (app) => {
    const cache = new Cache(app.redis, app.log.child({ component: 'cache' }), {
      prefix: `${app.config.REDIS_KEY_PREFIX}:cache:`,
      maxEntries: 1000,
      defaultTtlMs: 60_000,
    });
    app.decorate('cache', cache);
    app.health.addStats('cache', () => cache.stats());
  },
  { name: 'cache', dependencies: ['config', 'health', 'redis'] },
);
