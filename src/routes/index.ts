/**
 * Route registration. Ops endpoints live at the root (outside /api, exempt from rate limiting);
 * the versioned API lives under /api/v1.
 */
import type { FastifyInstance } from 'fastify';
import probes from './ops/probes.js';
import health from './ops/health.js';
import info from './ops/info.js';
import metrics from './ops/metrics.js';
import jobs from './api/v1/jobs.js';

export async function registerRoutes(app: FastifyInstance, role: 'api' | 'worker' = 'api'): Promise<void> {
  // The worker process answers only the platform's probes.
  if (role === 'worker') return void (await app.register(probes));
  await app.register(probes);
  await app.register(health);
  await app.register(info);
  await app.register(metrics);
  await app.register(jobs, { prefix: '/api/v1' });
}
