/**
 * The raw pipeline `npm run bench:jobs` measures railfast's job path against: the least a durable
 * job API can do with the project's own fastify, pg and bullmq. Fastify with logging off; per
 * request one pg INSERT (its own commit) and one BullMQ `add`, then 202; a BullMQ worker in the
 * same process (concurrency BENCH_RAW_CONCURRENCY, 10) updates the row to completed. No
 * validation, idempotency, capacity check, retries, reconciler or drain.
 *
 *   node --import tsx tools/bench/bench-jobs-raw.ts <port>   (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX)
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const port = Number(process.argv[2] ?? 0);
const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
await pool.query(
  `CREATE TABLE IF NOT EXISTS jobs (id uuid PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, status text NOT NULL DEFAULT 'queued',
   result jsonb, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`,
);
const connection = (worker: boolean) => new Redis(env.REDIS_URL!, { maxRetriesPerRequest: worker ? null : 20 });
const prefix = env.REDIS_KEY_PREFIX ?? 'raw';
const queue = new Queue('jobs', { connection: connection(false), prefix });
const worker = new Worker(
  'jobs',
  async (job) => {
    await pool.query(`UPDATE jobs SET status = 'completed', result = payload, updated_at = now() WHERE id = $1`, [job.id]);
  },
  { connection: connection(true), prefix, concurrency: Number(env.BENCH_RAW_CONCURRENCY ?? 10) },
);
await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);

const app = Fastify({ logger: false });
app.post<{ Body: { type: string; payload?: unknown } }>('/api/v1/jobs', async (request, reply) => {
  const id = randomUUID();
  const { type, payload = {} } = request.body;
  await pool.query('INSERT INTO jobs (id, type, payload) VALUES ($1, $2, $3)', [id, type, JSON.stringify(payload)]);
  await queue.add(type, {}, { jobId: id, removeOnComplete: true, removeOnFail: true });
  return reply.code(202).send({ id, status: 'queued' });
});
await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await worker.close();
    await queue.close();
    await pool.end();
    process.exit(0);
  })();
});
process.stderr.write(`bench-jobs-raw listening on 127.0.0.1:${port}\n`);
