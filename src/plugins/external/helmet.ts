import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers. This is a JSON API, so the content-security policy is the strictest one. */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-site' },
    });
  },
  { name: 'external-helmet' },
);
