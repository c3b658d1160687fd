import { list, secret } from '../fields.js';

export const security = {
  /** Allowed CORS origins, comma list; `https://*.example.com` matches subdomains; `*` only outside production; unset → `*` outside production, none in production. */
  CORS_ORIGINS: list().optional(),
  /** Enables admin endpoints (`Authorization: Bearer <token>`), at least 32 characters; unset → admin endpoints answer 404. */
  ADMIN_TOKEN: secret(32).optional(),
};
