/**
 * One benchmark target, started by scripts/bench.ts as its own process (so the load generator
 * and the server do not share an event loop): `node --import tsx scripts/bench-server.ts <mode> <port>`.
 *
 *   bare – Fastify 5 with the logger off serving the same JSON route (with the same response
 *          schema) as our GET /live: the ceiling every ratio is measured against.
 *   headers – bare plus our helmet plugin (plugins/external/helmet.ts: the same static security
 *          headers, set by one hook): the floor no code change of ours can go below without
 *          dropping a header. Optional target (BENCH_TARGETS=bare,headers,on,off).
 *   on   – our app with production config: info access logging (stdout, which the parent points
 *          at /dev/null), helmet, cors, rate limiting, load shedding, memory guard, metrics, docs.
 *   off  – our app with every switchable feature off and logging silent.
 *
 * The parent passes the environment; this file only builds and listens on 127.0.0.1.
 */
import Fastify, { type FastifyInstance } from 'fastify';

const [mode = 'bare', portArg = '0'] = process.argv.slice(2);
const port = Number(portArg);

let app: FastifyInstance;
if (mode === 'bare' || mode === 'headers') {
  app = Fastify({ logger: false });
  // Our own helmet plugin (static headers, one hook), exactly as the app registers it.
  if (mode === 'headers') await app.register((await import('../../src/http/security-headers.plugin.js')).default);
  const live = { status: 'ok' as const };
  app.get(
    '/live',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string', const: 'ok' } }, required: ['status'] } } } },
    async () => live,
  );
  await app.listen({ port, host: '127.0.0.1' });
} else {
  const { loadConfig } = await import('../../src/config/load.js');
  const { buildApp } = await import('../../src/app.js');
  const config = loadConfig({ ...process.env, PORT: String(port), HOST: '127.0.0.1' });
  app = await buildApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
}
// A clean exit on SIGTERM, so --cpu-prof gets to write its profile.
process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
process.stderr.write(`bench-server ${mode} listening on 127.0.0.1:${port}\n`);
