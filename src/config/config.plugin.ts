import fp from 'fastify-plugin';
import type { AppConfig } from './load.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
  }
}

/** Makes the validated config available as `app.config`; nothing reads process.env after boot. */
export default fp<{ config: AppConfig }>(
  async (app, opts) => {
    app.decorate('config', opts.config);
  },
  { name: 'config' },
);
