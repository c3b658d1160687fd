import { list, minLength, env, section } from '../fields.js';

export const security = section('Security', {
  CORS_ORIGINS: env(list().optional(), {
    doc: 'Allowed CORS origins, comma list; `https://*.example.com` matches subdomains; `*` only outside production; unset → `*` outside production, none in production.',
    essential: true,
  }),
  ADMIN_TOKEN: env(minLength(32).optional(), {
    doc: 'Enables admin endpoints (`Authorization: Bearer <token>`), at least 32 characters; unset → admin endpoints answer 404.',
    secret: true,
    essential: true,
  }),
});
