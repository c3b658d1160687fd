import { env, section } from '../fields.js';
import { z } from 'zod';

/** Injected by Railway; read for /version, log context and proxy trust. */
export const platform = section('Railway (injected)', {
  RAILWAY_GIT_COMMIT_SHA: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
  RAILWAY_ENVIRONMENT_NAME: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
  RAILWAY_SERVICE_NAME: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
  RAILWAY_DEPLOYMENT_ID: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
  RAILWAY_REPLICA_ID: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
  RAILWAY_PUBLIC_DOMAIN: env(z.string().optional(), { doc: 'Injected by Railway.', injected: true }),
});
