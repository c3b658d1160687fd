/**
 * Route registration. Ops endpoints live at the root (outside /api, exempt from rate limiting);
 * the versioned API lives under /api/v1.
 */
import type { FastifyInstance } from 'fastify';
import probes from './ops/probes.js';
import health from './ops/health.js';
import info from './ops/info.js';

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(probes);
  await app.register(health);
  await app.register(info);
}
