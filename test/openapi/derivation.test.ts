/**
 * What the document derives for every route (src/openapi/operations.ts, document.ts): readable,
 * unique operationIds for the shapes routes take, examples from the schema that never use the
 * extremes of a range, and titled schemas shared as one component even when a response adds its
 * own description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operationIdFor, securityFor, tagFor } from '../../src/openapi/operations.js';
import { exampleOf, finishDocument } from '../../src/openapi/document.js';

test('operationIds from method and path', () => {
  const cases: [string, string, string][] = [
    ['POST', '/api/v1/jobs', 'createJob'],
    ['GET', '/api/v1/jobs', 'listJobs'],
    ['GET', '/api/v1/jobs/:id', 'getJob'],
    ['DELETE', '/api/v1/jobs/:id', 'deleteJob'],
    ['PATCH', '/api/v1/notes/{id}', 'updateNote'],
    ['POST', '/api/v1/jobs/:id/retry', 'retryJob'],
    ['POST', '/api/v1/jobs/:id/cancel', 'cancelJob'],
    ['PUT', '/api/v1/users/:id/role', 'setUserRole'],
    ['GET', '/api/v1/categories', 'listCategories'],
    ['POST', '/api/v1/auth/login', 'authLogin'],
    ['GET', '/api/v1/me', 'getMe'],
    ['GET', '/health/details', 'getHealthDetails'],
    ['GET', '/cors-debug', 'getCorsDebug'],
    ['GET', '/api/v1/orgs/:org/members/:id', 'getOrgsMembersByOrgById'],
  ];
  for (const [m, url, id] of cases) assert.equal(operationIdFor(m, url), id, `${m} ${url}`);
  assert.equal(tagFor('/api/v1/jobs/:id'), 'jobs');
  assert.equal(tagFor('/live'), 'ops');
});

test('security: [] when public; the schemes a guard really accepts when protected', () => {
  const guards = { authenticate: () => {}, requireAdmin: () => {}, verifyAdmin: () => {} };
  assert.deepEqual(securityFor('/api/v1/jobs', undefined, {}, guards), []);
  assert.deepEqual(securityFor('/api/v1/jobs', undefined, { preHandler: guards.verifyAdmin }, guards), [{ adminToken: [] }]);
  assert.deepEqual(securityFor('/api/v1/me', undefined, { preHandler: [guards.authenticate] }, guards), [{ userJwt: [] }, { adminToken: [] }]);
  assert.deepEqual(securityFor('/api/v1/notes', [{ bearerAuth: [] }], {}, guards), [{ userJwt: [] }, { adminToken: [] }]);
  assert.deepEqual(securityFor('/metrics', [{ bearerAuth: [] }], {}, guards), [{ metricsToken: [] }]);
});

test('request examples: explicit examples and required fields only, never a range extreme', () => {
  const body = {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', example: 'echo' },
      priority: { type: 'integer', minimum: 0, maximum: 1000 },
      delayMs: { type: 'integer', minimum: 0, maximum: 604_800_000 },
      payload: { type: 'object', example: { message: 'hello' } },
      email: { type: 'string', format: 'email' },
    },
  };
  assert.deepEqual(exampleOf(body, {}), { type: 'echo', payload: { message: 'hello' } });
});

test('titled schemas become one named component, a response description does not fork it', () => {
  const job = { type: 'object', title: 'Job', properties: { id: { type: 'string' } } };
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  const doc = finishDocument(
    {
      info: { title: 't', version: '1' },
      paths: {
        '/api/v1/jobs': { post: { tags: ['jobs'], responses: { 200: json({ ...job, description: 'replayed' }), 202: json(job) } } },
        '/api/v1/jobs/{id}': { get: { tags: ['jobs'], responses: { 200: json(job) } } },
      },
    },
    { servers: [{ url: 'https://x.up.railway.app' }], license: { name: 'MIT' }, securitySchemes: {}, rateLimited: () => true },
  ) as { components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, { responses: Record<string, { description: string; headers: Record<string, unknown>; content: Record<string, { schema: unknown }> }> }>> };
  assert.deepEqual(Object.keys(doc.components.schemas), ['Job']);
  const post = doc.paths['/api/v1/jobs']!.post!.responses;
  assert.deepEqual(post['200']!.content['application/json']!.schema, { $ref: '#/components/schemas/Job' });
  assert.ok(post['202']!.headers.Location, 'a 202 that creates a resource names its Location');
  assert.equal(post['202']!.description, 'Accepted: the work happens later');
  assert.ok(post['200']!.headers['RateLimit-Remaining']);
});
