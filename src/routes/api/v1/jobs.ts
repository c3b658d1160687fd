/**
 * /api/v1/jobs: the example resource that exercises the whole stack (ledger, queue, cache).
 *   POST   /jobs             submit (202 + Location; Idempotency-Key replays → 200, same job)
 *   GET    /jobs/:id         one job (finished jobs are served from app.cache)
 *   GET    /jobs             list, newest first, cursor paging (admin)
 *   POST   /jobs/:id/retry   put a dead job back on the queue (admin)
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorRef } from '../../../http/error-envelope.js';
import { CreateJobBody, CreateJobHeaders, Job, JobList, JobParams, ListJobsQuery, toDto, type JobDto } from './jobs.schema.js';
import { decodeCursor } from '../../../queue/ledger.js';
import { HttpError } from '../../../http/errors.js';

/** Finished jobs do not change (a retry only applies to dead ones, which are not cached). */
const CACHE_TTL_MS = 5 * 60_000;
const cacheKey = (id: string) => `job:${id}`;

const jobs: FastifyPluginAsyncTypebox = async (app) => {
  const location = (id: string) => `${app.prefix}/jobs/${id}`;
  const notFound = (id: string) => new HttpError(404, `Job ${id} not found`, { code: 'NOT_FOUND' });

  app.post(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job',
        description:
          'The job is written to the durable ledger before the answer, so a 202 is a promise: it runs at least once. ' +
          '503 when the queue is full or the database is unavailable (Retry-After says when to try again).',
        headers: CreateJobHeaders,
        body: CreateJobBody,
        response: { 200: Job, 202: Job, 400: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const { job, created } = await app.queue.submit({ ...request.body, idempotencyKey: request.headers['idempotency-key'], from: 'http' });
      return reply.code(created ? 202 : 200).header('location', location(job.id)).send(toDto(job));
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Get a job',
        params: JobParams,
        response: { 200: Job, 400: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const cached = await app.cache.get<JobDto>(cacheKey(id));
      if (cached) return reply.header('x-cache', 'hit').send(cached);
      const row = await app.dbGuard((db) => db.job.findUnique({ where: { id } }));
      if (!row) throw notFound(id);
      const dto = toDto(row);
      if (row.status === 'completed') await app.cache.set(cacheKey(id), dto, CACHE_TTL_MS);
      return reply.header('x-cache', 'miss').send(dto);
    },
  );

  app.get(
    '/jobs',
    {
      preHandler: app.verifyAdmin,
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first (admin)',
        security: [{ bearerAuth: [] }],
        querystring: ListJobsQuery,
        response: { 200: JobList, 400: errorRef, 401: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { status, limit = 20, cursor } = request.query;
      if (cursor !== undefined && !decodeCursor(cursor)) {
        throw new HttpError(400, 'querystring.cursor is not a cursor this API returned', { code: 'VALIDATION_FAILED' });
      }
      const page = await app.dbGuard(() => app.queue.ledger.list({ status, limit, cursor }));
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/jobs/:id/retry',
    {
      preHandler: app.verifyAdmin,
      schema: {
        tags: ['jobs'],
        summary: 'Retry a dead job with a fresh set of attempts (admin)',
        security: [{ bearerAuth: [] }],
        params: JobParams,
        response: { 200: Job, 400: errorRef, 401: errorRef, 404: errorRef, 409: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      const revived = await app.queue.revive(id);
      if (revived) return toDto(revived);
      const row = await app.dbGuard((db) => db.job.findUnique({ where: { id } }));
      if (!row) throw notFound(id);
      throw new HttpError(409, `Job ${id} is ${row.status}; only dead jobs can be retried`, { code: 'CONFLICT' });
    },
  );
};

export default jobs;
