// The baseline for `npm run bench:footprint`: bare Fastify + the Prisma client over @prisma/adapter-pg
// and a pg Pool, serving /ready with `SELECT 1`. Plain JavaScript run by plain node (no tsx) so it
// costs what such an app costs; it uses the generated client the build put in dist/.
import Fastify from 'fastify';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../dist/generated/prisma/client.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const db = new PrismaClient({ adapter: new PrismaPg(pool) });
const app = Fastify();
app.get('/ready', async () => {
  await db.$queryRaw`SELECT 1`;
  return { status: 'ready' };
});
const close = async () => {
  await app.close();
  await db.$disconnect();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
