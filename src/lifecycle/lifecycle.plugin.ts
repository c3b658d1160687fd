/** `app.lifecycle`: draining flag, drain events and named shutdown steps (lifecycle.ts). */
import fp from 'fastify-plugin';
import { Lifecycle } from './lifecycle.js';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

export default fp(
  async (app) => {
    const lifecycle = new Lifecycle(app.log, (fn) => app.addHook('onClose', fn));
    app.decorate('lifecycle', lifecycle);
    // A close without a drain (tests, app.close()) still flips readiness and tells components to stop taking work.
    app.addHook('preClose', async () => lifecycle.startDrain('closing'));
    // Registered before every component's step, so Fastify runs it after all of them.
    app.addHook('onClose', () => lifecycle.runAfterSteps());
  },
  { name: 'lifecycle' },
);
