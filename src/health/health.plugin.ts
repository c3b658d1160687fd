/** `app.health`: the health registry (registry.ts). */
import fp from 'fastify-plugin';
import { HealthRegistry } from './registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthRegistry;
  }
}

export default fp(
  async (app) => {
    app.decorate('health', new HealthRegistry({ cacheMs: app.config.HEALTH_CACHE_MS }));
  },
  { name: 'health', dependencies: ['config'] },
);
