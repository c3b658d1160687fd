/**
 * Helpers for the queue tests: an app with the queue knobs tests need, submitting jobs, and
 * bounded waits on the ledger.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { testConfig } from './config.js';
import { sharedDatabaseFor } from './memory-db.js';
import type { JobRow } from '../../src/queue/ledger.js';
import { defineJob } from '../../src/jobs/registry.js';
import { Type } from 'typebox';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A unique Redis key prefix, so concurrent test runs never share BullMQ queues or cache keys. */
export const uniquePrefix = (name: string) => `t-${name}-${process.pid}-${randomBytes(3).toString('hex')}`;

/** Env for queue tests: protections that would get in the way off, fast retries, unique prefix. */
export function queueEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    RATE_LIMIT_ENABLED: 'false',
    LOAD_SHEDDING_ENABLED: 'false',
    ADMIN_TOKEN,
    QUEUE_BACKOFF_MS: '20',
    REDIS_KEY_PREFIX: uniquePrefix('q'),
    ...env,
  };
}

/** Build an app (closed by the caller). */
export async function buildQueueApp(env: Record<string, string | undefined> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(queueEnv(env)), { database: await sharedDatabaseFor(env) });
  try {
    await app.ready();
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  return app;
}

/** POST /api/v1/jobs, as the operator (ADMIN_TOKEN) unless `headers` carry another authorization. */
export async function submit(app: FastifyInstance, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/api/v1/jobs', payload: body, headers: { ...admin, ...headers } });
}

/** Submit and expect 202; returns the job id. */
export async function accept(app: FastifyInstance, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const res = await submit(app, body, headers);
  if (res.statusCode !== 202) throw new Error(`expected 202, got ${res.statusCode}: ${res.body}`);
  return (res.json() as { id: string }).id;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/**
 * A job type whose jobs wait until the test opens the gate: a deterministic "busy worker".
 * `add` registers it on the app; `open()` lets every waiting job finish.
 */
export function gate(app: FastifyInstance, type = 'gate') {
  let open!: () => void;
  let opened = new Promise<void>((r) => (open = r));
  app.queue.registry.add(
    defineJob({
      type,
      description: 'test: waits for the gate',
      public: true,
      payload: Type.Object({}),
      handler: async (_p, { signal }) => {
        await Promise.race([opened, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))]);
        return null;
      },
    }),
  );
  return {
    open: () => open(),
    /** Close it again for the next case. */
    reset: () => (opened = new Promise<void>((r) => (open = r))),
  };
}

export function row(app: FastifyInstance, id: string): Promise<JobRow | null> {
  return app.db.job.findUnique({ where: { id } });
}

/** Wait until job `id` has one of `statuses`; returns the row. */
export function waitStatus(app: FastifyInstance, id: string, statuses: JobRow['status'][], timeoutMs = 10_000): Promise<JobRow> {
  return waitFor(`job ${id} to be ${statuses.join('/')}`, async () => {
    const r = await row(app, id);
    return r && statuses.includes(r.status) ? r : null;
  }, timeoutMs);
}

/** Wait until nothing is pending or running. */
export async function waitIdle(app: FastifyInstance, timeoutMs = 10_000): Promise<void> {
  await waitFor('the queue to be idle', async () => {
    const pending = await app.db.job.count({ where: { status: { in: ['queued', 'active', 'failed'] } } });
    return pending === 0 && app.queue.runner.running.size === 0;
  }, timeoutMs);
}
