/**
 * /api/v1/jobs: submitting and following jobs. Every route needs a signed-in user or ADMIN_TOKEN.
 *   POST   /jobs             submit a public job type (202 + Location; Idempotency-Key replays → 200)
 *   GET    /jobs/:id         one job: its owner's or, for admins, anyone's (else 404)
 *   GET    /jobs             your jobs, newest first, cursor pagination (admins: everyone's)
 *   DELETE /jobs/:id         cancel a queued or delayed job (409 once it runs or ran)
 *   POST   /jobs/:id/retry   put a dead job back on the queue (admin)
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Prisma } from '../../../generated/prisma/client.js';
import { isAdmin, type Principal } from '../../../auth/principal.js';
import { errorRef } from '../../../http/error-envelope.js';
import { decodeCursor, toPage } from '../../../http/pagination.js';
import { HttpError } from '../../../http/errors.js';
import { CreateJobBody, CreateJobHeaders, Job, JobList, JobParams, ListJobsQuery, toDto, type JobDto } from './jobs.schema.js';

/** Finished jobs do not change (a retry only applies to dead ones, which are not cached). */
const CACHE_TTL_MS = 5 * 60_000;
const cacheKey = (id: string) => `job:${id}`;

/** The jobs `principal` may see: its own, or everyone's for an admin. */
const visibleTo = (p: Principal): Prisma.JobWhereInput => (isAdmin(p) ? {} : { ownerId: p.kind === 'user' ? p.id : '00000000-0000-0000-0000-000000000000' });
const canSee = (p: Principal, ownerId: string | null) => isAdmin(p) || (p.kind === 'user' && ownerId === p.id);

const jobs: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['jobs'];
  const security: Record<string, string[]>[] = [{ userJwt: [] }, { adminToken: [] }];
  const location = (id: string) => `${app.prefix}/jobs/${id}`;
  const notFound = (id: string) => new HttpError(404, `Job ${id} not found`, { code: 'NOT_FOUND' });
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/jobs',
    {
      schema: {
        tags,
        security,
        summary: 'Submit a job',
        description:
          'The job is written to the durable ledger before the answer, so a 202 is a promise: it runs at least once. ' +
          'Only public job types can be submitted. 413 when the payload is over QUEUE_MAX_PAYLOAD_BYTES; 429 when you have ' +
          'too many jobs waiting (or delayed); 503 when the queue is full or the database is unavailable (Retry-After says ' +
          'when to try again). Idempotency-Key: same key and request → the same job (200); a different request → 422; ' +
          'the first request still being accepted → 409.',
        headers: CreateJobHeaders,
        body: CreateJobBody,
        response: { 200: Job, 202: Job, 400: errorRef, 401: errorRef, 409: errorRef, 413: errorRef, 422: errorRef, 429: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const { job, created } = await app.queue.submit({ ...request.body, idempotencyKey: request.headers['idempotency-key'] }, request.principal!);
      return reply.code(created ? 202 : 200).header('location', location(job.id)).send(toDto(job));
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a job',
        params: JobParams,
        response: { 200: Job, 400: errorRef, 401: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const principal = request.principal!;
      const cached = await app.cache.get<JobDto>(cacheKey(id));
      if (cached) {
        if (!canSee(principal, cached.ownerId)) throw notFound(id);
        return reply.header('x-cache', 'hit').send(cached);
      }
      const row = await app.dbGuard((db) => db.job.findUnique({ where: { id } }));
      if (!row || !canSee(principal, row.ownerId)) throw notFound(id);
      const dto = toDto(row);
      if (row.status === 'completed') await app.cache.set(cacheKey(id), dto, CACHE_TTL_MS);
      return reply.header('x-cache', 'miss').send(dto);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags,
        security,
        summary: 'List your jobs, newest first (admins: everyone’s)',
        querystring: ListJobsQuery,
        response: { 200: JobList, 400: errorRef, 401: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { status, limit = 20, cursor } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      const rows = await app.dbGuard((db) =>
        db.job.findMany({
          where: {
            ...visibleTo(request.principal!),
            ...(status ? { status } : {}),
            ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit + 1,
        }),
      );
      const page = toPage(rows, limit);
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Cancel a queued or delayed job',
        description: 'The job ends `cancelled` and never runs. 409 when it is already running or finished.',
        params: JobParams,
        response: { 200: Job, 400: errorRef, 401: errorRef, 404: errorRef, 409: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      const row = await app.dbGuard((db) => db.job.findFirst({ where: { id, ...visibleTo(request.principal!) } }));
      if (!row) throw notFound(id);
      const cancelled = await app.queue.cancel(id);
      if (cancelled) return toDto(cancelled);
      const now = await app.dbGuard((db) => db.job.findUnique({ where: { id } }));
      throw new HttpError(409, `Job ${id} is ${now?.status ?? 'gone'}; only queued or delayed jobs can be cancelled`, { code: 'JOB_NOT_CANCELLABLE' });
    },
  );

  app.post(
    '/jobs/:id/retry',
    {
      preHandler: async (request) => {
        if (!isAdmin(request.principal!)) throw new HttpError(403, 'This needs an admin account', { code: 'FORBIDDEN' });
      },
      schema: {
        tags,
        security,
        summary: 'Retry a dead job with a fresh set of attempts (admin)',
        params: JobParams,
        response: { 200: Job, 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef },
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
