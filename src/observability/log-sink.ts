/**
 * Where production log lines go: stdout, written in batches.
 *
 * Why not pino.destination (sonic-boom): in its asynchronous mode sonic-boom measures the byte
 * length of its whole pending buffer on every line (Buffer.byteLength of a string that grows by
 * concatenation, which V8 must flatten, i.e. copy, each time), so a line costs more the more lines
 * wait. Measured on this project's machines, 200-byte lines in bursts of 50 (what a busy server
 * writes between two turns of the event loop): sonic-boom async 2.3 µs of CPU per line, sync with
 * minLength 4096 about 1.0 µs, this sink 0.25-0.4 µs. At one access line per request that was the
 * largest single cost of `GET /live` after the socket write itself. Node's fs.WriteStream is
 * cheaper than sonic-boom (0.45 µs) but loses what it buffers when the process exits.
 *
 * How: lines are kept in an array and joined once per write. A write happens when about
 * BATCH_BYTES are pending, and at most FLUSH_MS after the first pending line otherwise, so a line
 * never waits longer than that when traffic is light. Writes are synchronous, as with pino's
 * default destination: no thread-pool round trip per batch, lines stay in order, and nothing is
 * in flight when the process exits (the 'exit' hook writes what is left, so the last lines before
 * a crash or a drain's process.exit are kept). On a blocking stdout (the usual pipe to the
 * platform's log collector) a write waits while the reader is behind, which is backpressure, not
 * loss. On a non-blocking one a full pipe (EAGAIN) never stalls the event loop: the batch stays
 * pending and is retried by the timer; past MAX_PENDING_BYTES the oldest lines are dropped and a
 * warning saying how many is written once stdout drains, rather than memory growing without bound.
 */
import { writeSync } from 'node:fs';

/** About one page: one write per ~20 access lines. */
const BATCH_BYTES = 4096;
/** Longest a line waits in the batch when traffic is light. */
const FLUSH_MS = 50;
/** While stdout cannot take more (reader stalled), keep at most this much and drop the oldest. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export interface LogSinkOptions {
  fd?: number;
  batchBytes?: number;
  flushMs?: number;
  maxPendingBytes?: number;
}

export class LogSink {
  readonly #fd: number;
  readonly #batchBytes: number;
  readonly #flushMs: number;
  readonly #maxPending: number;
  #lines: string[] = [];
  /** UTF-16 length of the pending lines: a threshold, so the byte count need not be exact. */
  #pending = 0;
  /** Bytes of a batch that a short write left unwritten; written before anything newer. */
  #rest: Buffer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #dropped = 0;
  #closed = false;
  readonly #onExit = () => this.flushSync();

  constructor(options: LogSinkOptions = {}) {
    this.#fd = options.fd ?? 1;
    this.#batchBytes = options.batchBytes ?? BATCH_BYTES;
    this.#flushMs = options.flushMs ?? FLUSH_MS;
    this.#maxPending = options.maxPendingBytes ?? MAX_PENDING_BYTES;
    process.on('exit', this.#onExit);
  }

  /** Called by pino with one serialised line (newline included). */
  write(line: string): boolean {
    if (this.#closed) return false;
    this.#lines.push(line);
    this.#pending += line.length;
    // While stdout is stalled (#rest set) only the timer retries: no failed write per line.
    if (this.#pending >= this.#batchBytes && this.#rest === null) this.flushSync();
    else this.#schedule();
    return true;
  }

  /** pino's `logger.flush(cb)` calls this. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /** Write everything pending now (drains, exits). Never throws. */
  flushSync(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    // What a short or refused write left goes first; while stdout still refuses, nothing newer does.
    if (this.#rest !== null && !this.#writeRest()) return;
    if (this.#lines.length === 0) return;
    if (this.#dropped > 0) {
      this.#lines.unshift(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), droppedLines: this.#dropped, msg: 'log lines dropped: stdout was not being read' })}\n`);
      this.#dropped = 0;
    }
    const data = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('');
    this.#lines = [];
    this.#pending = 0;
    let written: number;
    try {
      // The string is written as it is (no Buffer copy); only a short write (rare) needs the bytes.
      written = writeSync(this.#fd, data);
    } catch (err) {
      if (this.#refused(err)) this.#rest = Buffer.from(data);
      return;
    }
    if (written < Buffer.byteLength(data)) {
      this.#rest = Buffer.from(data).subarray(written);
      this.#writeRest();
    }
  }

  /** Write #rest to the end; false when stdout refused (it stays pending) or is gone. */
  #writeRest(): boolean {
    let rest = this.#rest!;
    try {
      // #rest always holds exactly what is unwritten, so a failure part-way keeps the right bytes.
      while (rest.length > 0) this.#rest = rest = rest.subarray(writeSync(this.#fd, rest));
      this.#rest = null;
      return true;
    } catch (err) {
      this.#refused(err);
      return false;
    }
  }

  /**
   * A write failed. EAGAIN (full non-blocking pipe): bound what waits and retry with the timer;
   * returns true: the caller keeps what was not written in #rest. Anything else (EPIPE, EBADF): stdout
   * is gone and there is nowhere left to report to; stop writing, return false.
   */
  #refused(err: unknown): boolean {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
      this.#stop();
      return false;
    }
    this.#shed();
    this.#schedule();
    return true;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flushSync(), this.#flushMs).unref();
  }

  /** Keep memory bounded while stdout is not being read: drop the oldest pending lines. */
  #shed(): void {
    while (this.#pending > this.#maxPending && this.#lines.length > 0) {
      this.#pending -= this.#lines.shift()!.length;
      this.#dropped++;
    }
  }

  /** Write what is pending and stop (tests; the process's own sink lives until exit). */
  close(): void {
    if (this.#closed) return;
    this.flushSync();
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#closed = true;
    this.#lines = [];
    this.#rest = null;
    process.off('exit', this.#onExit);
  }
}

let stdout: LogSink | undefined;
/** The one sink for stdout, shared by every logger of the process (lines stay in order). */
export function stdoutSink(): LogSink {
  return (stdout ??= new LogSink({ fd: 1 }));
}
