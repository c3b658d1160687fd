import { z } from 'zod';

/** Injected by Railway; read for /version, log context and proxy trust. */
export const platform = {
  RAILWAY_GIT_COMMIT_SHA: z.string().optional(),
  RAILWAY_ENVIRONMENT_NAME: z.string().optional(),
  RAILWAY_SERVICE_NAME: z.string().optional(),
  RAILWAY_DEPLOYMENT_ID: z.string().optional(),
  RAILWAY_REPLICA_ID: z.string().optional(),
  RAILWAY_PUBLIC_DOMAIN: z.string().optional(),
};
