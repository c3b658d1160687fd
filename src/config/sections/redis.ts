import { str, url, env, section } from '../fields.js';

export const redis = section('Redis', {
  REDIS_URL: env(url(['redis', 'rediss']).optional(), {
    doc: 'Redis for the work queue (BullMQ) and the shared cache; unset → in-process queue and memory cache.',
    credentialsUrl: true,
    essential: true,
    hint: 'On Railway: REDIS_URL=${{Redis.REDIS_URL}}',
  }),
  REDIS_KEY_PREFIX: env(
    str()
      .regex(/^[A-Za-z0-9_.-]+$/, 'must contain only letters, digits, "_", "." or "-"')
      .prefault('railfast'),
    { doc: 'Prefix for every key we write (cache entries and BullMQ queues); change it to share one Redis between apps.' },
  ),
});
