import { str, url } from '../fields.js';

export const redis = {
  /** Redis for the work queue (BullMQ) and the shared cache; unset → in-process queue and memory cache. */
  REDIS_URL: url(['redis', 'rediss']).optional(),
  /** Prefix for every key we write (cache entries and BullMQ queues); change it to share one Redis between apps. */
  REDIS_KEY_PREFIX: str()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must contain only letters, digits, "_", "." or "-"')
    .prefault('railfast'),
};
