/**
 * Fastify `childLoggerFactory` that creates each request's child logger (`request.log`) only
 * when something logs through it.
 *
 * Fastify builds a pino child per request to bind the request id; that costs an object, the
 * bindings serialised to JSON and run through redaction, on every request, including the great
 * majority that never log through `request.log` (the access line is written once per request by
 * lib/access-log.ts through a logger made at boot). With this factory the happy path pays for a
 * small wrapper; the first call to any log method creates the real child, with the same bindings
 * and options, so what gets logged is unchanged. A call at a level that is off (e.g. the error
 * handler's debug line for each 4xx) does not create the child at all.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type Options = Parameters<FastifyBaseLogger['child']>[1];
type LogFn = (...args: unknown[]) => void;

export class LazyChildLogger implements FastifyBaseLogger {
  #parent: FastifyBaseLogger;
  #bindings: Bindings;
  #options: Options;
  #child: FastifyBaseLogger | null = null;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: Options) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    if (this.#child === null) {
      const opts = this.#options;
      this.#child = opts && Object.keys(opts).length > 0 ? this.#parent.child(this.#bindings, opts) : this.#parent.child(this.#bindings);
    }
    return this.#child;
  }

  /** Whether `level` would be written, answered without creating the child when possible. */
  #enabled(level: string): boolean {
    if (this.#child !== null || this.#options?.level) return true; // the real logger decides
    const p = this.#parent as { levelVal?: number; levels?: { values: Record<string, number> } };
    const value = p.levels?.values[level];
    return p.levelVal === undefined || value === undefined || value >= p.levelVal;
  }

  get level(): string {
    return this.#child !== null ? this.#child.level : (this.#options?.level ?? this.#parent.level);
  }
  set level(level: string) {
    this.#real().level = level;
  }

  fatal(...args: unknown[]): void {
    if (this.#enabled('fatal')) (this.#real().fatal as LogFn)(...args);
  }
  error(...args: unknown[]): void {
    if (this.#enabled('error')) (this.#real().error as LogFn)(...args);
  }
  warn(...args: unknown[]): void {
    if (this.#enabled('warn')) (this.#real().warn as LogFn)(...args);
  }
  info(...args: unknown[]): void {
    if (this.#enabled('info')) (this.#real().info as LogFn)(...args);
  }
  debug(...args: unknown[]): void {
    if (this.#enabled('debug')) (this.#real().debug as LogFn)(...args);
  }
  trace(...args: unknown[]): void {
    if (this.#enabled('trace')) (this.#real().trace as LogFn)(...args);
  }
  silent(...args: unknown[]): void {
    (this.#real().silent as LogFn)(...args);
  }
  child(bindings: Bindings, options?: Options): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
  /** pino API some libraries probe for. */
  isLevelEnabled(level: string): boolean {
    const real = this.#real() as FastifyBaseLogger & { isLevelEnabled?: (l: string) => boolean };
    return real.isLevelEnabled ? real.isLevelEnabled(level) : true;
  }
  bindings(): Bindings {
    const real = this.#real() as FastifyBaseLogger & { bindings?: () => Bindings };
    return real.bindings ? real.bindings() : { ...this.#bindings };
  }
}

/** For `Fastify({ childLoggerFactory })`. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: Options): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
