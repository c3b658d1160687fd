import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import {
  compileCorsRules,
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  CORS_METHODS,
  type CorsMatcher,
} from './cors-origins.js';

declare module 'fastify' {
  interface FastifyInstance {
    corsMatcher: CorsMatcher;
  }
}

/** CORS from CORS_ORIGINS; a disallowed origin gets no Access-Control-* headers (the browser blocks it). */
export default fp(
  async (app) => {
    const matcher = compileCorsRules(app.config.CORS_ORIGINS);
    app.decorate('corsMatcher', matcher);
    await app.register(cors, {
      origin: (origin, cb) => cb(null, matcher.match(origin) !== null),
      methods: CORS_METHODS,
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
    });
  },
  { name: 'cors', dependencies: ['config'] },
);
