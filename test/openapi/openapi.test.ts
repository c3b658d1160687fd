/**
 * OpenAPI (plugins/external/swagger.ts, swagger-ui.ts): /docs/json is a valid OpenAPI 3 document
 * that describes every route the app serves (compared against app.printRoutes(), not a list kept
 * here), with the error envelope and the 429/503 responses of the API; Swagger UI at /docs gets a
 * CSP it can run under while everything else keeps the strict one; DOCS_ENABLED=false turns it off.
 * Also: the security headers computed once at boot (plugins/external/helmet.ts) are exactly what
 * @fastify/helmet sets, on every kind of response.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** (METHOD, path) pairs from Fastify's route tree, printed with full segments per node. */
function routesFromTree(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, path });
  }
  return out;
}

/** Every `$ref` anywhere in the document. */
function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, found);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

test('/docs/json is a valid OpenAPI 3 document describing every route, errors included', async (t) => {
  const app = await build(t, { ADMIN_TOKEN: 'x'.repeat(32) });
  const res = await app.inject('/docs/json');
  assert.equal(res.statusCode, 200);
  const doc = res.json() as Json & { paths: Record<string, Record<string, Json>>; components: Json & { schemas: Record<string, Json> } };

  assert.match(String(doc.openapi), /^3\.\d+\.\d+$/);
  const info = doc.info as Json;
  assert.equal(typeof info.title, 'string');
  assert.equal(typeof info.version, 'string');
  const schemes = doc.components.securitySchemes as Record<string, Json>;
  assert.deepEqual(Object.keys(schemes).sort(), ['adminToken', 'metricsToken', 'userJwt']);
  assert.equal(schemes.userJwt!.bearerFormat, 'JWT');
  assert.ok(Array.isArray(doc.servers) && (doc.servers as Json[]).length === 1, 'servers');
  assert.equal((info.license as Json).name, 'MIT');
  // Shared schemas are named components, referenced rather than inlined.
  for (const name of ['Job', 'Note', 'NotePage', 'ErrorEnvelope']) assert.ok(doc.components.schemas[name], `component ${name}`);
  assert.doesNotMatch(JSON.stringify(doc.paths), /"title":"(Job|Note)"/);
  const envelope = doc.components.schemas.ErrorEnvelope!;
  assert.deepEqual(envelope.required, ['statusCode', 'error', 'message', 'requestId']);

  // Every $ref resolves inside the document.
  for (const ref of refs(doc)) {
    const m = /^#\/components\/(schemas|headers)\/(.+)$/.exec(ref);
    assert.ok(m && (doc.components[m[1]!] as Record<string, Json>)[m[2]!], `unresolved $ref ${ref}`);
  }

  // Every operation: summary, tags, described responses, declared path parameters, unique ids.
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    assert.match(path, /^\//);
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(typeof op.summary === 'string' && op.summary.length > 0, `${where}: no summary`);
      assert.ok(Array.isArray(op.tags) && op.tags.length > 0, `${where}: no tags`);
      const responses = op.responses as Record<string, Json>;
      assert.ok(responses && Object.keys(responses).length > 0, `${where}: no responses`);
      for (const [status, r] of Object.entries(responses)) {
        assert.match(status, /^([1-5]\d\d|default)$/, `${where}: bad status ${status}`);
        assert.equal(typeof r.description, 'string', `${where} ${status}: no description`);
      }
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((p) => p[1])) {
        const params = (op.parameters ?? []) as Json[];
        assert.ok(params.some((p) => p.in === 'path' && p.name === name && p.required === true), `${where}: path parameter ${name} not declared`);
      }
      assert.match(String(op.operationId), /^[a-z][A-Za-z0-9]+$/, `${where}: operationId`);
      assert.ok(!operationIds.has(op.operationId as string), `duplicate operationId ${op.operationId}`);
      operationIds.add(op.operationId as string);
      // Public operations say so; protected ones name a declared scheme.
      assert.ok(Array.isArray(op.security), `${where}: no security`);
      for (const req of op.security as Json[]) for (const k of Object.keys(req)) assert.ok(schemes[k], `${where}: unknown scheme ${k}`);
      for (const [status, r] of Object.entries(responses)) {
        assert.notEqual(r.description, 'Default Response', `${where} ${status}`);
        assert.ok((r.headers as Json | undefined)?.['X-Request-Id'], `${where} ${status}: X-Request-Id not documented`);
      }
      // API routes document the rate limit and load shedding with the error envelope.
      if (path.startsWith('/api/')) {
        for (const status of ['429', '503']) {
          const schema = (responses[status]?.content as Record<string, Json> | undefined)?.['application/json']?.schema as Json | undefined;
          assert.equal(schema?.$ref, '#/components/schemas/ErrorEnvelope', `${where}: no ${status} ErrorEnvelope`);
        }
      }
    }
  }

  // Every route the app serves is in the document, except Swagger UI's own routes and the CORS
  // preflight catch-all (both hidden on purpose) and the HEAD twins Fastify adds for GET routes.
  const served = routesFromTree(app.printRoutes({ commonPrefix: false })).filter(
    (r) => r.method !== 'HEAD' && !r.path.startsWith('/docs') && !(r.method === 'OPTIONS' && r.path === '*'),
  );
  assert.ok(served.length >= 12, `only ${served.length} routes parsed from the route tree`);
  for (const { method, path } of served) {
    const openapiPath = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    assert.ok(doc.paths[openapiPath]?.[method.toLowerCase()], `${method} ${path} is served but not in the OpenAPI document`);
  }
  // ...and nothing is documented that is not served.
  const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`));
  const servedSet = new Set(served.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
  assert.deepEqual(documented.filter((d) => !servedSet.has(d)), []);
  for (const route of ['GET /live', 'GET /ready', 'GET /health', 'GET /health/details', 'GET /metrics', 'POST /api/v1/jobs']) {
    assert.ok(documented.includes(route), `${route} missing`);
  }
  // Derived names, readable: what generated clients call them.
  const ids = (p: string, m: string) => doc.paths[p]?.[m]?.operationId;
  assert.equal(ids('/api/v1/jobs', 'post'), 'createJob');
  assert.equal(ids('/api/v1/jobs/{id}', 'get'), 'getJob');
  assert.equal(ids('/api/v1/notes', 'get'), 'listNotes');
  assert.equal(ids('/health/details', 'get'), 'getHealthDetails');
  assert.deepEqual(doc.paths['/live']!.get!.security, []);
  assert.deepEqual(doc.paths['/health/details']!.get!.security, [{ adminToken: [] }]);
  assert.deepEqual(doc.paths['/api/v1/notes']!.get!.security, [{ userJwt: [] }, { adminToken: [] }]);
  // A realistic, small request example (never the extremes of each range), and the headers clients read.
  const create = doc.paths['/api/v1/jobs']!.post!;
  assert.deepEqual(((create.requestBody as Json).content as Record<string, Json>)['application/json']!.example, { type: 'echo', payload: { message: 'hello' } });
  const created = (create.responses as Record<string, Json>)['202']!.headers as Json;
  for (const h of ['Location', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) assert.ok(created[h], `202 header ${h}`);
  assert.ok(((create.responses as Record<string, Json>)['429']!.headers as Json)['Retry-After']);
  const example400 = (((create.responses as Record<string, Json>)['400']!.content as Record<string, Json>)['application/json']!.example as Json);
  assert.equal(example400.statusCode, 400);
});

test('Swagger UI at /docs runs under a relaxed CSP; everything else keeps the strict one', async (t) => {
  const app = await build(t);
  const ui = await app.inject('/docs');
  assert.equal(ui.statusCode, 200);
  assert.match(String(ui.headers['content-type']), /^text\/html/);
  assert.match(ui.body, /swagger-ui-bundle\.js/);
  const docsCsp = String(ui.headers['content-security-policy']);
  assert.match(docsCsp, /script-src 'self'/);
  assert.match(docsCsp, /style-src 'self' 'unsafe-inline'/);
  assert.match(docsCsp, /frame-ancestors 'none'/);
  assert.doesNotMatch(docsCsp, /unsafe-eval/);
  const bundle = await app.inject('/docs/static/swagger-ui-bundle.js');
  assert.equal(bundle.statusCode, 200);
  assert.equal(bundle.headers['content-security-policy'], docsCsp);
  assert.equal(ui.headers['x-content-type-options'], 'nosniff'); // the other helmet headers stay

  for (const url of ['/live', '/api/v1/jobs/00000000-0000-4000-8000-000000000000', '/no/such/route']) {
    assert.equal((await app.inject(url)).headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", url);
  }
});

test('the static security headers are exactly the ones @fastify/helmet sets, on every response', async (t) => {
  // What @fastify/helmet sets with our options, as a plain route answers it.
  const probe = await build(t, { RATE_LIMIT_ENABLED: 'false' });
  const plain = (await probe.inject('/live')).headers;
  const expected = Object.fromEntries(
    Object.entries(plain).filter(([name]) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'x-request-id'].includes(name)),
  );
  assert.ok(Object.keys(expected).length >= 10, JSON.stringify(expected));
  assert.equal(expected['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
  assert.equal(expected['x-frame-options'], 'DENY');
  assert.equal(expected['x-content-type-options'], 'nosniff');
  // Limit 2: the 404s count, /docs/json has its own bucket (docs-ui.test.ts): the third 404 is a 429.
  const app = await build(t, { RATE_LIMIT_MAX: '2' });
  const responses = [await app.inject('/live'), await app.inject('/no/such/route'), await app.inject('/docs/json'), await app.inject('/no/such/route'), await app.inject('/no/such/route')];
  assert.deepEqual(responses.map((r) => r.statusCode), [200, 404, 200, 404, 429]);
  for (const res of responses) {
    for (const [name, value] of Object.entries(expected)) {
      if (name === 'content-security-policy' && res.raw.req.url?.startsWith('/docs')) continue; // the docs' own CSP, tested above
      assert.equal(res.headers[name], value, `${res.raw.req.url} ${res.statusCode}: ${name}`);
    }
  }
});

test('DOCS_ENABLED=false: no /docs, no /docs/json', async (t) => {
  const app = await build(t, { DOCS_ENABLED: 'false' });
  assert.equal((await app.inject('/docs')).statusCode, 404);
  assert.equal((await app.inject('/docs/json')).statusCode, 404);
  assert.equal((await app.inject('/live')).statusCode, 200);
});
