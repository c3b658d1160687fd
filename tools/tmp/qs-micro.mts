import pg from 'pg';
import { createTempDatabase } from '../../test/helpers/services.ts';
import { openDatabase } from '../../src/db/client.ts';
import { Ledger, rowOf } from '../../src/queue/ledger.ts';
import { randomUUID } from 'node:crypto';
import { testConfig } from '../../test/helpers/config.ts';
const d = await createTempDatabase('qs_micro');
const h = await openDatabase(testConfig({ DATABASE_URL: d.url }) as any);
await h.migrate();
const ledger = new Ledger(h.db, h.sql);
const N = 5000;
const rows = Array.from({ length: N }, () => rowOf({ id: randomUUID(), type: 'echo', payload: { a: 1 }, priority: 0, maxAttempts: 3, runAt: new Date() }));
let t = performance.now();
for (let i = 0; i < N; i += 500) await ledger.insertMany(rows.slice(i, i + 500));
console.log('insert', Math.round(N / ((performance.now() - t) / 1000)), '/s');
for (const C of [10, 50]) {
  t = performance.now();
  let next = 0; const ids = rows.map((r) => r.id);
  await h.sql({ text: `UPDATE jobs SET status='queued'` });
  await Promise.all(Array.from({ length: C }, async () => { while (next < N) { const id = ids[next++]!; const r = await ledger.claim(id, 30000); await ledger.complete(id, r?.payload); } }));
  console.log('claim+complete C', C, Math.round(N / ((performance.now() - t) / 1000)), '/s');
}
await h.close(); await d.drop();
