/**
 * Import rules for src/, checked by `npm run lint`: dependencies run one way,
 *   entry points (server, worker, start) → app.ts → plugins (*.plugin.ts) and routes → core,
 * so a core module (anything that is not a plugin, a route or an entry point) never imports a
 * plugin or a route, plugins reach each other only through the decorators Fastify gives them
 * (type-only imports for the augmentations are fine), and there are no cycles.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles make load order and ownership unclear.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'plugins-only-from-app',
      severity: 'error',
      comment: 'Only src/app.ts registers plugins; everything else reaches them through decorators (app.db, app.queue, ...).',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '\\.plugin\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'routes-only-from-autoload',
      severity: 'error',
      comment: 'Routes are loaded by @fastify/autoload; nothing imports them, except a route file its own schemas.',
      from: { path: '^src/', pathNot: '^src/routes/' },
      to: { path: '^src/routes/' },
    },
    {
      name: 'no-entry-points-from-inside',
      severity: 'error',
      comment: 'app.ts and start.ts are the top of the graph.',
      from: { path: '^src/', pathNot: '^src/(server|worker|start)\\.ts$' },
      to: { path: '^src/(app|start|server|worker)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
