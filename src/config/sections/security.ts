import { list, secret } from '../fields.js';

export const security = {
  /** Comma list; `https://*.example.com` matches subdomains; `*` only outside production. */
  CORS_ORIGINS: list().optional(),
  /** Guards admin endpoints (`Authorization: Bearer <token>`); admin endpoints 404 when unset. */
  ADMIN_TOKEN: secret(32).optional(),
};
