/**
 * Boot: load .env (optional) → validate config (exit 1 naming each bad variable) → build the app
 * → listen → print the banner → install the drain. `configure` lets test fixtures add routes to a
 * real server without a second copy of this sequence.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig, loadDotEnv } from './config/load.js';
import { buildApp } from './app.js';
import { installDrain } from './lifecycle/drain.js';
import { PGLITE_MEMORY } from './config/sections/database.js';
import { dataDirProblem } from './db/data-dir.js';

export interface StartOptions {
  /** Passed to buildApp: lets test fixtures add routes to a real server. */
  configure?: (app: FastifyInstance) => void | Promise<void>;
  /** 'worker' for the worker-only process (src/worker.ts). */
  role?: 'api' | 'worker';
}

export async function start(options: StartOptions = {}): Promise<FastifyInstance> {
  const t0 = performance.now();
  let config;
  try {
    loadDotEnv();
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const worker = options.role === 'worker';
  if (worker && (!config.DATABASE_URL || config.DATABASE_URL === PGLITE_MEMORY)) {
    // The embedded database belongs to one process; a second one would corrupt it or see another database.
    process.stderr.write(
      'The worker process needs DATABASE_URL (Postgres): the embedded database can only be used by one process (the API, which runs the jobs itself unless RUN_WORKERS=false).\n',
    );
    process.exit(1);
  }
  if (!config.DATABASE_URL) {
    // The embedded database on disk: a read-only or root-owned DATA_DIR stops here, in one line.
    const problem = dataDirProblem(join(config.DATA_DIR, 'pglite'));
    if (problem) {
      process.stderr.write(`${problem}\n`);
      process.exit(1);
    }
  }
  const port = worker ? (config.WORKER_PORT ?? config.PORT) : config.PORT;
  const app = await buildApp(config, { configure: options.configure, role: options.role });
  installDrain(app);
  await app.listen({ port, host: config.HOST });

  const address = app.server.address();
  const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address);
  app.log.info(
    {
      listen: where,
      environment: config.NODE_ENV,
      bootMs: Math.round(performance.now() - t0),
      components: { http: `listening on ${where}`, ...app.health.modes() },
    },
    `ready: listening on ${where}`,
  );
  return app;
}
