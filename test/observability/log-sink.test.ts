/**
 * lib/log-sink.ts: batched stdout writes for production logs. Real file descriptors throughout:
 * a file, a non-blocking FIFO whose reader stalls, and a child process that exits right after logging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogSink, type LogSinkOptions } from '../../src/observability/log-sink.js';

const line = (i: number) => `${JSON.stringify({ level: 'info', i, msg: 'request completed' })}\n`;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'log-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sink writing into a non-blocking FIFO nobody reads yet (a stalled stdout), and that FIFO's read end. */
function stalledPipe(t: { after: (fn: () => void) => void }, options: Omit<LogSinkOptions, 'fd'>): { sink: LogSink; reader: number } {
  const fifo = join(tempDir(t), 'pipe');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  const sink = new LogSink({ fd: writer, ...options });
  t.after(() => (sink.close(), closeSync(writer), closeSync(reader)));
  return { sink, reader };
}

/** Read what the FIFO delivers, as the sink's retries write it, until `done(text)` or the deadline. */
async function readUntil(reader: number, done: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const buf = Buffer.alloc(1 << 16);
  let got = '';
  const until = Date.now() + timeoutMs;
  while (!done(got) && Date.now() < until) {
    try {
      const n = readSync(reader, buf, 0, buf.length, null);
      got += buf.toString('utf8', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await sleep(5);
    }
  }
  return got;
}

/** The complete lines of `text` (a trailing partial line is still on its way). */
const completeLines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);

test('LogSink batches lines: nothing written below the batch size until the flush timer, then all of it in order', async (t) => {
  const file = join(tempDir(t), 'out.log');
  const fd = openSync(file, 'w');
  const sink = new LogSink({ fd, batchBytes: 4096, flushMs: 40 });
  t.after(() => (sink.close(), closeSync(fd)));

  for (let i = 0; i < 5; i++) sink.write(line(i));
  assert.equal(readFileSync(file, 'utf8'), '', 'a small batch waits for the timer');
  await sleep(120);
  assert.equal(readFileSync(file, 'utf8'), [0, 1, 2, 3, 4].map(line).join(''));

  // Past the batch size the write happens at once, in order, without waiting for the timer.
  const first = [0, 1, 2, 3, 4].map(line).join('');
  const many = Array.from({ length: 200 }, (_, i) => line(100 + i));
  for (const l of many) sink.write(l);
  const written = readFileSync(file, 'utf8');
  assert.ok(written.length >= first.length + 4096, `expected a batch on disk, got ${written.length} bytes`);
  assert.ok((first + many.join('')).startsWith(written), 'a prefix of what was logged, in order');
  sink.flushSync();
  assert.equal(readFileSync(file, 'utf8'), first + many.join(''));
});

test('LogSink on a full non-blocking pipe: writes never throw, nothing is lost or repeated once the reader resumes', async (t) => {
  const { sink, reader } = stalledPipe(t, { batchBytes: 4096, flushMs: 10 });

  // ~1 MB: far more than the pipe holds (64 KB), so most of it has to wait in the sink.
  const lines = Array.from({ length: 20_000 }, (_, i) => line(i));
  // A non-blocking pipe refuses (EAGAIN) rather than blocks: every write is accepted, none throws.
  for (const l of lines) assert.equal(sink.write(l), true);

  // Now read: the sink's retries deliver the rest.
  const expected = lines.join('');
  const got = await readUntil(reader, (text) => text.length >= expected.length, 10_000);
  assert.equal(got.length, expected.length);
  assert.equal(got, expected, 'every line exactly once, in order');
});

test('LogSink keeps memory bounded while stdout is not read: drops the oldest lines and says how many', async (t) => {
  const { sink, reader } = stalledPipe(t, { batchBytes: 4096, flushMs: 10, maxPendingBytes: 64 * 1024 });

  const lines = Array.from({ length: 10_000 }, (_, i) => line(i)); // ~450 KB: pipe (64 KB) + pending cap (64 KB) overflow
  for (const l of lines) sink.write(l);
  await sleep(50); // a retry runs while the pipe is still full: the cap applies

  const got = await readUntil(reader, (text) => completeLines(text).some((l) => l.includes('"droppedLines"')), 5000);
  const notice = completeLines(got).find((l) => l.includes('"droppedLines"'));
  assert.ok(notice, 'a line reports the dropped lines');
  const { droppedLines, level } = JSON.parse(notice) as { droppedLines: number; level: string };
  assert.equal(level, 'warn');
  assert.ok(droppedLines > 0 && droppedLines < lines.length, `dropped ${droppedLines}`);
  // What was kept arrives intact: every received line is a whole, valid line.
  for (const l of completeLines(got)) assert.doesNotThrow(() => JSON.parse(l), l);
});

test('the production logger keeps the lines written just before process.exit', async () => {
  // A real process: production logger (JSON to stdout through the sink), a few lines, then exit at once.
  const script = `
    const { createLogger } = await import('../src/logger.ts');
    const { loadConfig } = await import('../src/config/index.ts');
    const log = createLogger(loadConfig({ NODE_ENV: 'production', LOG_PRETTY: 'false', DATABASE_URL: 'pglite:memory' }));
    for (let i = 0; i < 3; i++) log.info({ i }, 'before exit');
    log.fatal('exiting now');
    process.exit(3);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await sleep(50);
  assert.equal(code, 3, err);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; i?: number; level: string });
  assert.deepEqual(lines.map((l) => l.msg), ['before exit', 'before exit', 'before exit', 'exiting now']);
  assert.deepEqual(lines.map((l) => l.level), ['info', 'info', 'info', 'fatal']);
});
