/** Request and response schemas of /api/v1/jobs (OpenAPI is generated from these). */
import { Type } from 'typebox';
import { MAX_PRIORITY } from '../../../queue/backend.js';
import type { JobRow } from '../../../queue/ledger.js';
import { clientKey } from '../../../queue/accept.js';
import { Page, PageQuery } from '../../../http/pagination.js';

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'dead', 'cancelled'] as const;
export const JobStatus = Type.Union(
  JOB_STATUSES.map((s) => Type.Literal(s)),
  {
    description:
      'failed: the last attempt failed and a retry is scheduled at runAt; dead: attempts exhausted; cancelled: DELETE before it ran',
  },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const Job = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: Type.String({ examples: ['echo'] }),
    status: JobStatus,
    payload: Type.Unknown(),
    priority: Type.Integer(),
    attempts: Type.Integer({ description: 'Attempts started so far' }),
    maxAttempts: Type.Integer(),
    runAt: DateTime,
    result: Type.Unknown({ description: 'What the handler returned (completed jobs), else null' }),
    lastError: Nullable(Type.String()),
    idempotencyKey: Nullable(Type.String()),
    ownerId: Nullable(Type.String({ format: 'uuid', description: 'The user who submitted it; null for ADMIN_TOKEN and internal jobs' })),
    createdAt: DateTime,
    updatedAt: DateTime,
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
  },
  { title: 'Job' },
);

export const CreateJobBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 100, description: 'A registered job type (see src/jobs/types)', examples: ['echo'] }),
    payload: Type.Optional(Type.Unknown({ description: "Checked against the type's schema; defaults to {}" })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PRIORITY, description: 'Higher runs sooner; default 0' })),
    delayMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 365 * 86_400_000, description: 'Run no sooner than this from now; at most QUEUE_MAX_DELAY_MS (default 24 h)' }),
    ),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default QUEUE_MAX_ATTEMPTS' })),
  },
  { additionalProperties: false },
);

export const CreateJobHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'Yours alone (scoped to who you are). The same key with the same request returns the same job (200); with a different request 422; while the first is still being accepted 409',
    }),
  ),
});

export const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListJobsQuery = Type.Object({ status: Type.Optional(JobStatus), ...PageQuery });

export const JobList = Page(Job, 'JobPage');

export type JobDto = {
  id: string;
  type: string;
  status: JobRow['status'];
  payload: unknown;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  result: unknown;
  lastError: string | null;
  idempotencyKey: string | null;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export function toDto(r: JobRow): JobDto {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    payload: r.payload,
    priority: r.priority,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    runAt: r.runAt.toISOString(),
    result: r.result ?? null,
    lastError: r.lastError,
    idempotencyKey: clientKey(r.idempotencyKey),
    ownerId: r.ownerId,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
