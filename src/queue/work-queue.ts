/**
 * WorkQueue: the one queue the app talks to. It writes every job to the ledger before anyone is
 * told it was accepted, hands it to the backend in use (BullMQ while Redis is up, p-queue in this
 * process otherwise), and switches backend at run time, both ways, whenever Redis comes or goes.
 *
 * The reconciler (reconciler.ts) re-enqueues ledger jobs that no live backend holds: on boot,
 * after every switch, and on a periodic sweep (which also recovers jobs whose worker died: their
 * lease expired). Delivery is at-least-once; the Runner's claim makes a second delivery of a
 * finished or running job a no-op.
 */
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisHub } from '../redis/redis-hub.js';
import type { JobRegistry, JobServices } from '../jobs/registry.js';
import type { JobRow, Ledger } from './ledger.js';
import { Runner, type JobEvent } from './runner.js';
import type { Backend, BackendName, QueueEntry } from './backend.js';
import { LocalBackend } from './backends/local.js';
import { reconcile, toEntry } from './reconciler.js';
import type { AcceptLimits, Guard, JobStore, SubmitInput } from './accept.js';
import { Intake, type Submitted, type Tx } from './intake.js';
import { rowOf } from './ledger.js';
import { Capacity } from './capacity.js';
import { GroupCommit } from './group-commit.js';
import type { Principal } from '../auth/principal.js';

export type { Guard, SubmitInput } from './accept.js';
export type { Tx } from './intake.js';

export interface WorkQueueOptions extends Omit<AcceptLimits, 'maxAttempts'> {
  /** Given to every handler in its JobContext (src/jobs/registry.ts). */
  services: JobServices;
  concurrency: number;
  maxSize: number;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  leaseMs: number;
  retentionDays: number;
  /** Run handlers in this process. */
  workers: boolean;
  queueName: string;
  prefix: string;
}

const PURGE_EVERY_MS = 60 * 60_000;

export class WorkQueue extends EventEmitter<{ completed: [JobEvent]; failed: [JobEvent]; dead: [JobEvent]; backend: [BackendName] }> {
  readonly runner: Runner;
  #backend: Backend;
  #serial: Promise<unknown> = Promise.resolve();
  #intake = true;
  #closed = false;
  #waiting = 0;
  #switches = 0;
  #timers: NodeJS.Timeout[] = [];
  #fullSweepDue = false;
  readonly #submissions: Intake;
  readonly #capacity = new Capacity();
  readonly #writer: GroupCommit;

  constructor(
    readonly ledger: Ledger,
    readonly registry: JobRegistry,
    private readonly hub: RedisHub,
    private readonly guard: Guard,
    readonly opts: WorkQueueOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    super();
    this.runner = new Runner(ledger, registry, opts, log);
    for (const e of ['completed', 'failed', 'dead'] as const) this.runner.on(e, (ev) => this.emit(e, ev));
    this.#backend = this.#local();
    const { maxSize, maxDelayed, maxWaitingPerOwner, maxDelayedPerOwner, maxDelayMs, maxPayloadBytes, maxAttempts } = opts;
    this.#writer = new GroupCommit(ledger, guard, (entries) => this.#enqueue(entries));
    this.#submissions = new Intake({
      ledger,
      store: this.#store,
      registry,
      guard,
      services: opts.services,
      limits: { maxSize, maxDelayed, maxWaitingPerOwner, maxDelayedPerOwner, maxDelayMs, maxPayloadBytes, maxAttempts },
      handOff: (jobs) => this.#enqueue(jobs.map(toEntry)),
      onWaiting: (n) => (this.#waiting = n),
    });
  }

  /**
   * The ledger as accepting sees it outside a caller's transaction: inserts grouped with concurrent
   * submits into one INSERT and one backend add (group-commit.ts, which also hands the job to the
   * backend), capacity and quota counts estimated (capacity.ts).
   */
  readonly #store: JobStore = {
    insert: async (job) => {
      const row = await this.#writer.write(rowOf(job));
      const when = row.runAt.getTime() > row.createdAt.getTime() ? 'later' : 'due';
      this.#capacity.admitted([`${when}:*`, ...(row.ownerId ? [`${when}:${row.ownerId}`] : [])]);
      return row;
    },
    get: (id) => this.ledger.get(id),
    byIdempotencyKey: (key) => this.ledger.byIdempotencyKey(key),
    countPending: (o) =>
      this.#capacity.pending(`${o.delayed ? 'later' : 'due'}:${o.ownerId ?? '*'}`, o.limit, () => this.ledger.countPending(o)),
  };

  get backend(): BackendName {
    return this.#backend.name;
  }

  async start(): Promise<void> {
    if (this.hub.up) await this.#switchTo('bullmq', true);
    if (this.#backend.name === 'local')
      this.log.info({ backend: 'local' }, `queue backend: local${this.hub.url ? ' (redis unavailable)' : ''}`);
    if (!this.opts.workers) this.log.info('queue: RUN_WORKERS=false: jobs are accepted here and run by a worker process (npm run worker)');
    this.hub.on('up', () => this.#requestSwitch());
    this.hub.on('down', () => this.#requestSwitch());
    // In the background: boot must not wait on (or fail with) the database; re-adding is idempotent.
    void this.#run(() => this.reconcile(true)).catch((err: Error) => {
      this.#fullSweepDue = true; // database not reachable yet: the next sweep does the full reconcile
      this.log.warn({ err }, `queue: boot reconcile failed: ${err.message}`);
    });
    const tickMs = Math.max(100, Math.floor(this.opts.leaseMs / 3));
    this.#timers.push(setInterval(() => void this.#tick(), tickMs).unref());
    if (this.opts.workers) {
      void this.purge();
      this.#timers.push(setInterval(() => void this.purge(), PURGE_EVERY_MS).unref());
    }
  }

  /** A client's submission (POST /api/v1/jobs): public types, quotas and limits, owned by `principal`. */
  submit(input: SubmitInput, principal: Principal): Promise<Submitted> {
    return this.#submissions.submit(input, principal);
  }

  /**
   * Enqueue from code: any registered type, public or internal, no capacity limits. With `tx` the
   * ledger row is written inside the caller's transaction (it commits or rolls back with the
   * domain write); see transaction() and intake.ts for the hand-off.
   */
  enqueue(input: SubmitInput, opts: { tx?: Tx; ownerId?: string | null } = {}): Promise<Submitted> {
    return this.#submissions.enqueue(input, opts);
  }

  /**
   * `app.db.$transaction(fn)`, then hand the jobs `fn` enqueued with `{ tx }` to the backend once
   * it committed. Rolled back: no job exists. Crashed after the commit: the reconciler runs them.
   *
   *   const note = await app.queue.transaction(async (tx) => {
   *     const note = await tx.note.create({ data });
   *     await app.queue.enqueue({ type: 'note-stats', payload: { noteId: note.id } }, { tx });
   *     return note;
   *   });
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#submissions.transaction(fn);
  }

  /** Cancel a pending job (queued, delayed, awaiting a retry); null when it is not pending. Its backend entry is skipped when it comes up. */
  cancel(id: string): Promise<JobRow | null> {
    return this.guard(() => this.ledger.cancel(id));
  }

  /** A dead job gets a fresh set of attempts and goes back on the queue; null when it is not dead. */
  async revive(id: string): Promise<JobRow | null> {
    const row = await this.guard(() => this.ledger.revive(id));
    if (row) await this.#enqueue([toEntry(row)]);
    return row;
  }

  async #enqueue(entries: QueueEntry[]): Promise<void> {
    // Draining: BullMQ still takes jobs (another instance runs them; ours is paused); locally they
    // stay queued in the ledger for the next boot.
    if (!this.#intake && this.#backend.name === 'local') return;
    try {
      await this.#backend.add(entries);
    } catch (err) {
      this.log.warn(
        { err, backend: this.#backend.name },
        `queue: ${this.#backend.name} did not take ${entries.length} job(s); the reconciler will`,
      );
    }
  }

  /** Serialize switches, sweeps and shutdown. */
  #run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  #requestSwitch(): void {
    void this.#run(async () => {
      const target: BackendName = this.hub.up ? 'bullmq' : 'local';
      if (target !== this.#backend.name && this.#intake) await this.#switchTo(target);
    });
  }

  async #switchTo(target: BackendName, boot = false): Promise<void> {
    let next: Backend;
    if (target === 'bullmq') {
      // Loaded on first use: BullMQ costs boot time a deployment without Redis should not pay.
      const { BullBackend } = await import('./backends/bullmq.js');
      next = new BullBackend(
        this.hub,
        (id) => this.runner.run(id),
        {
          // Named, not spread: this.opts.timeoutMs is the jobs' deadline (60 s), not a Redis wait.
          queueName: this.opts.queueName,
          prefix: this.opts.prefix,
          concurrency: this.opts.concurrency,
          workers: this.opts.workers,
          onRetryLost: (e) => void this.#enqueue([e]),
        },
        this.log,
      );
      try {
        await next.start();
      } catch (err) {
        this.log.warn({ err }, `queue: cannot start BullMQ (${(err as Error).message}); staying on ${this.#backend.name}`);
        return;
      }
    } else {
      next = this.#local();
    }
    const old = this.#backend;
    this.#backend = next;
    await old.stopIntake();
    if (boot) {
      await old.close();
      this.log.info({ backend: next.name }, `queue backend: ${next.name}`);
      return; // start() reconciles next
    }
    this.#switches++;
    this.log.warn({ from: old.name, to: next.name }, `queue backend: ${old.name} → ${next.name}`);
    this.emit('backend', next.name);
    // Reconcile before closing the old backend: closing BullMQ while Redis is gone can take seconds.
    await this.reconcile(true).catch((err: Error) => {
      this.#fullSweepDue = true;
      this.log.warn({ err }, `queue: reconcile after the switch failed: ${err.message}`);
    });
    await old.close();
  }

  #local(): LocalBackend {
    return new LocalBackend(
      (id) => this.runner.run(id),
      {
        concurrency: this.opts.concurrency,
        workers: this.opts.workers,
        isRunning: (id) => this.runner.holds(id),
        forward: (e) => void this.#enqueue([e]),
      },
      this.log,
    );
  }

  /** Re-enqueue ledger jobs no backend holds (see reconciler.ts); `all` on boot and after a switch. */
  async reconcile(all: boolean): Promise<number> {
    if (!this.#intake || (this.#backend.name === 'local' && !this.opts.workers)) return 0;
    const backend = this.#backend;
    const count = await reconcile({
      ledger: this.ledger,
      backend,
      isRunning: (id) => this.runner.holds(id),
      leaseMs: this.opts.leaseMs,
      all,
    });
    if (count) this.log.info({ count, backend: backend.name }, `queue: re-enqueued ${count} job(s) from the ledger`);
    return count;
  }

  /** Heartbeat for running jobs, backend check, periodic sweep. */
  async #tick(): Promise<void> {
    try {
      const ids = this.runner.ids;
      if (ids.length) await this.ledger.touch(ids);
      if (!this.#intake) return;
      if ((this.hub.up ? 'bullmq' : 'local') !== this.#backend.name) this.#requestSwitch();
      const full = this.#fullSweepDue;
      await this.#run(() => this.reconcile(full));
      if (full) this.#fullSweepDue = false;
    } catch (err) {
      this.log.warn({ err }, `queue: sweep failed: ${(err as Error).message}`);
    }
  }

  async purge(): Promise<number> {
    try {
      const count = await this.ledger.purge(new Date(Date.now() - this.opts.retentionDays * 86_400_000));
      if (count) this.log.info({ count, retentionDays: this.opts.retentionDays }, `queue: purged ${count} finished job(s)`);
      return count;
    } catch (err) {
      this.log.warn({ err }, `queue: purge failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Stop starting jobs (drain begins); running ones carry on. */
  async stopIntake(): Promise<void> {
    if (!this.#intake) return;
    this.#intake = false;
    await this.#run(() => this.#backend.stopIntake());
  }

  /**
   * Shutdown step "workers": no new jobs; wait for running ones until `deadline` (epoch ms); past
   * it, abort them (they go back to queued and run after the next boot).
   */
  async drain(deadline: number): Promise<void> {
    await this.stopIntake();
    const running = this.runner.busy;
    if (running && !(await this.runner.idle(deadline - Date.now()))) {
      this.log.warn({ running: this.runner.running.size }, 'queue: shutdown deadline near; interrupting running jobs');
      this.runner.interruptAll();
      await this.runner.idle(1000);
    }
    if (running) this.log.info({ finished: running - this.runner.busy }, 'queue: running jobs finished');
  }

  /** Shutdown step "queue": release the backend's connections and timers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#run(() => this.#backend.close());
  }

  stats() {
    const { completed, failed, dead } = this.runner.counts;
    const finished = completed + dead;
    return {
      backend: this.#backend.name,
      workers: this.opts.workers,
      /** Ledger jobs waiting (queued, delayed, awaiting retry), counted up to maxSize; as of the last submit or health check. */
      waiting: this.#waiting,
      active: this.runner.running.size,
      concurrency: this.opts.concurrency,
      maxSize: this.opts.maxSize,
      completed,
      failed,
      dead,
      successRate: finished ? Math.round((completed / finished) * 1000) / 1000 : null,
      backendSwitches: this.#switches,
      redis: this.hub.status,
    };
  }

  /**
   * Live numbers for the health check (never throws); also refreshes the ledger's waiting count
   * that stats() reports, so /health/details shows it fresh.
   */
  async details(): Promise<Record<string, unknown>> {
    const [counts, waiting] = await Promise.all([
      this.#backend.counts().catch((err: Error) => ({ error: err.message })),
      this.ledger.countPending({ delayed: false, limit: this.opts.maxSize }).catch(() => null),
    ]);
    if (waiting !== null) {
      this.#waiting = waiting;
      this.#capacity.set('due:*', waiting);
    }
    return { backend: this.#backend.name, active: this.runner.running.size, ledgerWaiting: waiting, backendCounts: counts };
  }
}
