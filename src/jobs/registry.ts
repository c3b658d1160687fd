/**
 * Job types: each lives in its own file under src/jobs/types/ and default-exports
 * `defineJob({ type, description, payload, handler })`. The registry loads every file in that
 * folder at boot, so adding a type is adding one file (and deleting one removes it).
 *
 * A type is internal unless its definition says `public: true`: only code enqueues it
 * (`app.queue.enqueue`), and POST /api/v1/jobs answers 400 for it as for an unknown type. A new
 * file is never reachable from the internet by accident. `demo: true` marks the template's demo
 * types (echo, sleep, flaky, http): public outside production, off in production unless
 * DEMO_JOBS=true. "Off" only closes the API; jobs already in the ledger still run.
 *
 * Handlers are called at least once per job, and may be called again for the same job (a crash or
 * a lost Redis between finishing and recording): make them idempotent, e.g. key side effects on
 * `ctx.jobId` ("INSERT ... ON CONFLICT (job_id) DO NOTHING", an Idempotency-Key header on the
 * outbound call set to the job id).
 */
import { readdir } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { Static, TSchema } from 'typebox';
import type { AppConfig } from '../config/load.js';
import type { Db } from '../db/client.js';
import type { HttpClient } from '../outbound/http-client.js';

/** What the app gives every handler (the queue plugin passes app.db, app.outbound, app.config). */
export interface JobServices {
  /** The Prisma client (app.db): write with `ctx.db.note.update(...)`, `ctx.db.$transaction(...)`. */
  db: Db;
  /** The outbound HTTP client (app.outbound): timeouts, retries, a circuit breaker per host. */
  http: HttpClient;
  config: Readonly<AppConfig>;
}

export interface JobContext extends JobServices {
  /** Fires at QUEUE_TIMEOUT_MS, or when the process must stop before the job could finish. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  jobId: string;
  log: FastifyBaseLogger;
}

export interface JobDefinition<S extends TSchema = TSchema> {
  /** The `type` clients send; lowercase letters, digits, "-" and "_". */
  type: string;
  description: string;
  /** TypeBox schema of the payload; checked when the job is submitted and again before it runs. */
  payload: S;
  /** Clients may submit it over POST /api/v1/jobs. Default false: internal, enqueued by code only. */
  public?: boolean;
  /** A demo type of the template: submittable only while DEMO_JOBS is on (see the top of this file). */
  demo?: boolean;
  /**
   * Runs when a client submits the job, after the schema check and before anything is stored:
   * throw an HttpError (4xx) to refuse it there rather than accept a job that can only fail.
   */
  check?: (payload: Static<S>, services: JobServices) => Promise<void>;
  /** Resolve with the result (stored as JSON) or throw to fail the attempt. */
  handler: (payload: Static<S>, ctx: JobContext) => Promise<unknown>;
}

export function defineJob<S extends TSchema>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export interface FieldError {
  field: string;
  message: string;
}

type Validate = ReturnType<ReturnType<ReturnType<typeof AjvCompiler>>>;
type Loaded = { definition: JobDefinition; validator: Validate };

/**
 * Payloads are checked by Fastify's own Ajv compiler (same formats as request bodies), without
 * coercion or defaults: the stored payload is what the client sent. TypeBox's compiler would
 * load ~700 more files and add ~0.2 s of CPU to every boot (issue 15).
 */
const compilePayload = AjvCompiler()(
  {},
  { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
);

export interface RegistryOptions {
  /** Demo types are submittable over HTTP (DEMO_JOBS). Default true. */
  demoJobs?: boolean;
}

export class JobRegistry {
  readonly #types = new Map<string, Loaded>();
  readonly #demoJobs: boolean;

  constructor(opts: RegistryOptions = {}) {
    this.#demoJobs = opts.demoJobs ?? true;
  }

  add(definition: JobDefinition): this {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(definition.type)) throw new Error(`job type "${definition.type}" must match [a-z0-9][a-z0-9_-]*`);
    if (this.#types.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    this.#types.set(definition.type, { definition, validator: compilePayload({ schema: definition.payload, method: 'POST', url: `/jobs/${definition.type}`, httpPart: 'body' }) });
    return this;
  }

  get(type: string): JobDefinition | undefined {
    return this.#types.get(type)?.definition;
  }

  get types(): string[] {
    return [...this.#types.keys()].sort();
  }

  /** May clients submit `type` over HTTP? Public, and not a demo type while demos are off. */
  submittable(type: string): boolean {
    const def = this.get(type);
    return Boolean(def?.public && (!def.demo || this.#demoJobs));
  }

  /** The types clients may submit. */
  get publicTypes(): string[] {
    return this.types.filter((t) => this.submittable(t));
  }

  /**
   * Field errors for `payload` of `type` (empty when valid), named from the request body's point of
   * view. `from: 'http'` (a client's submission) accepts only the submittable types, and an
   * internal type reads exactly like an unknown one.
   */
  validate(type: string, payload: unknown, from: 'http' | 'code' = 'code'): FieldError[] {
    const loaded = this.#types.get(type);
    if (from === 'http' && !this.submittable(type)) {
      const types = this.publicTypes;
      return [{ field: 'body.type', message: types.length ? `must be one of ${types.join(', ')}, got "${type}"` : `no job type can be submitted here, got "${type}"` }];
    }
    if (!loaded) return [{ field: 'body.type', message: `must be one of ${this.types.join(', ')}, got "${type}"` }];
    if (loaded.validator(payload)) return [];
    const errors: FieldError[] = [];
    for (const e of loaded.validator.errors ?? []) {
      const parts = ['body.payload', ...e.instancePath.split('/').filter(Boolean)];
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      if (params.missingProperty) parts.push(params.missingProperty);
      if (params.additionalProperty) parts.push(params.additionalProperty);
      const message =
        e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not allowed' : (e.message ?? 'is invalid');
      errors.push({ field: parts.join('.'), message });
    }
    return errors.length ? errors : [{ field: 'body.payload', message: 'is invalid' }];
  }
}

/** Registry of every type in src/jobs/types (dist/jobs/types once built). */
export async function loadJobTypes(opts: RegistryOptions & { dir?: URL } = {}): Promise<JobRegistry> {
  const dir = opts.dir ?? new URL('./types/', import.meta.url);
  const registry = new JobRegistry(opts);
  const files = (await readdir(dir)).filter((f) => /\.(js|ts|mjs)$/.test(f) && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as { default?: JobDefinition };
    const def = mod.default;
    if (!def || typeof def.type !== 'string' || typeof def.handler !== 'function') {
      throw new Error(`src/jobs/types/${file} must default-export defineJob({ type, description, payload, handler })`);
    }
    registry.add(def);
  }
  return registry;
}
