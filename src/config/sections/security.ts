import { bool, int, list, minLength, env, section } from '../fields.js';

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
  OPS_DETAILS_PUBLIC: env(bool().optional(), {
    doc: 'Who sees the ops details. On: `/config` and `/cors-debug` are open, and `/ready` and `/health` show each check\'s mode and error. Off: those two need the admin token, and `/ready` and `/health` show only up/down per component (hosts, paths and error texts stay in `/health/details`).',
    defaultText: 'off in production, else on',
  }),
  HEALTH_CACHE_MS: env(int(0, 60_000).prefault('1000'), {
    doc: 'How long one run of the health checks answers `/ready` and `/health` (concurrent calls share a run): a flood of probes costs at most one database round trip per period. 0 = share only runs in flight.',
  }),
});
