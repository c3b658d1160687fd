/**
 * The last pass over the generated OpenAPI document (@fastify/swagger's transformObject), so that
 * clients can generate from it and linters pass, whatever the routes declare:
 *   - servers, license, security schemes, and the tag list derived from the operations;
 *   - every response described by its status ("Default Response" never shows), with the headers it
 *     really carries: X-Request-Id always, Retry-After on 429/503, RateLimit-* on rate-limited (API)
 *     routes, Location on a 201/202 that creates a resource;
 *   - error responses with an example of their own status (not one sample for every code);
 *   - request bodies with a small, realistic example built from the schema: required fields and
 *     fields that carry an example only, never the extremes of a range;
 *   - object schemas with a `title` (Job, Note, NotePage...) as named components, referenced.
 */
import { STATUS_CODES } from 'node:http';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the work happens later',
  204: 'Done; no body',
  400: 'The request is invalid: a body, query or path parameter failed validation (details names the field)',
  401: 'Credentials are missing or invalid (see WWW-Authenticate)',
  403: 'Authenticated, but not allowed to do this',
  404: 'Not found (or not visible to this caller)',
  409: 'Conflicts with the current state of the resource',
  413: 'The body is too large',
  415: 'Unsupported Content-Type',
  422: 'Understood but cannot be processed',
  429: 'Rate limit exceeded; retry after Retry-After seconds (RateLimit-* headers show the budget)',
  503: 'Overloaded, or a dependency is unavailable; retry after Retry-After seconds',
};
const ERROR_EXAMPLES: Record<string, { message: string; code: string }> = {
  400: { message: "body must have required property 'type'", code: 'VALIDATION_FAILED' },
  401: { message: 'A valid access token is required (Authorization: Bearer <token>)', code: 'UNAUTHORIZED' },
  403: { message: 'Only admins can do this', code: 'FORBIDDEN' },
  404: { message: 'Not found', code: 'NOT_FOUND' },
  409: { message: 'Conflicts with the current state', code: 'CONFLICT' },
  429: { message: 'Rate limit exceeded: at most 100 requests per 60 s; retry in 1 minute', code: 'RATE_LIMITED' },
  503: { message: 'Database unavailable, retry later', code: 'SERVICE_UNAVAILABLE' },
};

export const HEADERS: Record<string, Json> = {
  XRequestId: { description: 'The request id (also in every log line and error body); send your own to correlate', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
  Location: { description: 'Path of the resource this request created', schema: { type: 'string' } },
  RateLimitLimit: { description: 'Requests allowed per window for this client', schema: { type: 'integer' } },
  RateLimitRemaining: { description: 'Requests left in the current window', schema: { type: 'integer' } },
  RateLimitReset: { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};
const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

export interface FinishOptions {
  servers: { url: string; description?: string }[];
  license: { name: string; url?: string };
  securitySchemes: Record<string, unknown>;
  /** Paths whose operations are rate limited (they carry RateLimit-* headers). */
  rateLimited: (path: string) => boolean;
}

export function finishDocument(doc: Json, opts: FinishOptions): Json {
  const components = ((doc.components as Json | undefined) ?? {}) as Json & { schemas?: Record<string, Json> };
  components.schemas ??= {};
  components.securitySchemes = opts.securitySchemes;
  components.headers = HEADERS;
  doc.components = components;
  doc.servers = opts.servers;
  doc.info = { ...(doc.info as Json), license: opts.license };

  const tags = new Map<string, string[]>();
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      for (const tag of (op.tags as string[] | undefined) ?? []) tags.set(tag, [...(tags.get(tag) ?? []), path]);
      finishResponses(op, method, opts.rateLimited(path));
      const media = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.['application/json'];
      if (media?.schema && media.example === undefined && media.examples === undefined) {
        const example = exampleOf(media.schema as Json, components.schemas);
        if (example !== undefined) media.example = example;
      }
    }
  }
  doc.paths = hoistTitled(paths, components.schemas);
  doc.tags = [...tags].map(([name, ps]) => ({ name, description: `Operations under ${commonPrefix(ps)}` }));
  return doc;
}

function finishResponses(op: Json, method: string, rateLimited: boolean): void {
  const responses = (op.responses ?? {}) as Record<string, Json>;
  for (const [status, response] of Object.entries(responses)) {
    if (!response.description || response.description === 'Default Response') response.description = DESCRIPTIONS[status] ?? STATUS_CODES[Number(status)] ?? 'Response';
    const headers: Record<string, unknown> = { ...((response.headers as Json | undefined) ?? {}), 'X-Request-Id': ref('XRequestId') };
    if (status === '429' || status === '503') headers['Retry-After'] = ref('RetryAfter');
    if (rateLimited) Object.assign(headers, { 'RateLimit-Limit': ref('RateLimitLimit'), 'RateLimit-Remaining': ref('RateLimitRemaining'), 'RateLimit-Reset': ref('RateLimitReset') });
    const media = (response.content as Record<string, Json> | undefined)?.['application/json'];
    const schema = media?.schema as Json | undefined;
    if (method === 'post' && (status === '201' || status === '202') && hasId(schema)) headers.Location = ref('Location');
    response.headers = headers;
    if (media && schema?.$ref === '#/components/schemas/ErrorEnvelope' && ERROR_EXAMPLES[status]) {
      const code = Number(status);
      media.example = { statusCode: code, error: STATUS_CODES[code], ...ERROR_EXAMPLES[status], requestId: 'a1b2c3d4e5f6' };
    }
  }
}

const hasId = (schema: Json | undefined) => !!(schema?.properties as Json | undefined)?.id;

/** A small example from the schema: explicit examples, defaults, required fields; never the extremes. */
export function exampleOf(schema: Json, schemas: Record<string, Json>, depth = 0): unknown {
  if (depth > 6) return undefined;
  if (typeof schema.$ref === 'string') {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    return target ? exampleOf(target, schemas, depth + 1) : undefined;
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Json = {};
      for (const [key, prop] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
        const explicit = prop.example !== undefined || (Array.isArray(prop.examples) && prop.examples.length > 0);
        if (!required.has(key) && !explicit) continue;
        const value = exampleOf(prop, schemas, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'array':
      return schema.items ? [exampleOf(schema.items as Json, schemas, depth + 1)].filter((v) => v !== undefined) : [];
    case 'string':
      return ({ email: 'ada@example.com', uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'date-time': '2026-01-01T12:00:00.000Z', uri: 'https://example.com/' } as Json)[
        String(schema.format)
      ] ?? 'text';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default: {
      const first = ((schema.anyOf ?? schema.oneOf) as Json[] | undefined)?.[0];
      return first ? exampleOf(first, schemas, depth + 1) : undefined;
    }
  }
}

/** Replace inline object schemas that carry a title with a $ref to a component of that name. */
function hoistTitled<T>(node: T, schemas: Record<string, Json>): T {
  // A response-level description on a shared schema (e.g. `{ ...Job, description }`) must not fork it into Job2.
  const identity = (s: Json) => JSON.stringify({ ...s, description: undefined });
  const seen = new Map<string, string>(Object.entries(schemas).map(([name, s]) => [identity(s), name]));
  const visit = (n: unknown, key?: string): unknown => {
    if (Array.isArray(n)) return n.map((v) => visit(v));
    if (!n || typeof n !== 'object') return n;
    const out: Json = {};
    // `example` values are data, not schemas.
    for (const [k, v] of Object.entries(n)) out[k] = k === 'example' || k === 'examples' ? v : visit(v, k);
    const title = out.title;
    if (key === 'properties' || typeof title !== 'string' || out.type !== 'object' || !/^[A-Za-z0-9_.-]+$/.test(title)) return out;
    const text = identity(out);
    let name = seen.get(text);
    if (!name) {
      name = title;
      for (let i = 2; schemas[name]; i++) name = `${title}${i}`;
      schemas[name] = out;
      seen.set(text, name);
    }
    return { $ref: `#/components/schemas/${name}` };
  };
  return visit(node) as T;
}

function commonPrefix(paths: string[]): string {
  const split = paths.map((p) => p.split('/'));
  const first = split[0] ?? [];
  let i = 0;
  while (i < first.length && !first[i]!.startsWith('{') && split.every((s) => s[i] === first[i])) i++;
  return first.slice(0, i).join('/') || '/';
}
