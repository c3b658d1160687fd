/**
 * The reconciler: puts ledger jobs that no live backend holds back on a backend. Runs on boot,
 * after every backend switch (everything pending) and as a periodic sweep (jobs due soon whose
 * Redis copy may have vanished, whose worker died mid-job, or that another process accepted).
 *
 * Re-adding is safe: BullMQ ignores a job id it already has, the local backend checks what it
 * holds, and the Runner's claim skips a job that finished or is running elsewhere.
 */
import type { Backend, QueueEntry } from './backend.js';
import type { JobRow, Ledger } from './ledger.js';

const BATCH = 1000;
const CHUNK = 200;
/** Bound on one full reconcile (a local backend holds what it is given in memory). */
const MAX_PAGES = 200;

export const toEntry = (r: JobRow): QueueEntry => ({ id: r.id, type: r.type, priority: r.priority, runAt: r.runAt });

export async function reconcile(opts: {
  ledger: Ledger;
  backend: Backend;
  isRunning: (id: string) => boolean;
  leaseMs: number;
  /** Everything pending (boot, switch) rather than the periodic sweep's subset. */
  all: boolean;
}): Promise<number> {
  const { ledger, backend, leaseMs } = opts;
  const now = Date.now();
  // The sweep: jobs due soon. On BullMQ only those untouched for a lease (the others are in Redis);
  // locally all of them (jobs another process accepted while Redis is down reach us in one sweep).
  const sweep = { dueBefore: new Date(now + leaseMs), ...(backend.name === 'bullmq' ? { pendingBefore: new Date(now - leaseMs) } : {}) };
  // Everything (boot, switch): page through the whole backlog, so a worker that starts on a large
  // one has it all at once instead of a page per sweep.
  let count = 0;
  let after: JobRow | undefined;
  for (let page = 1; ; page++) {
    const rows = await ledger.reconcilable({ leaseMs, limit: BATCH, ...(opts.all ? {} : sweep), ...(after ? { after } : {}) });
    const entries = rows.filter((r) => !opts.isRunning(r.id) && !backend.holds(r.id)).map(toEntry);
    for (let i = 0; i < entries.length; i += CHUNK) await backend.add(entries.slice(i, i + CHUNK));
    count += entries.length;
    after = rows.at(-1);
    if (!opts.all || rows.length < BATCH || page >= MAX_PAGES) return count;
  }
}
