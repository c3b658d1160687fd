/** Replaces Fastify's JSON body parser with json-body.ts (depth limit, unstorable text → 400). */
import fp from 'fastify-plugin';
import { parseJsonBody } from './json-body.js';

export default fp(
  async (app) => {
    const maxDepth = app.config.JSON_MAX_DEPTH;
    app.removeContentTypeParser('application/json');
    // parseAs 'string' keeps Fastify's body-size limit (413) and its UTF-8 decoding.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string, maxDepth));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
  },
  { name: 'json-body', dependencies: ['config'] },
);
