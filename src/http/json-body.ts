/**
 * The JSON body parser, replacing Fastify's default one with the same protections (prototype and
 * constructor poisoning are errors, via secure-json-parse, as Fastify does) plus limits checked
 * before the work gets expensive:
 *   - nesting deeper than JSON_MAX_DEPTH → 400 JSON_TOO_DEEP, from one pass over the text before
 *     JSON.parse (a 6,000-level document used to reach the database and fail there with a 500);
 *   - strings the database cannot store (NUL, a lone UTF-16 surrogate) → 400 JSON_UNSTORABLE_TEXT.
 *     Both can only arrive as \u escapes (raw ones are not valid JSON or not valid UTF-8), so
 *     the values are only walked when the text holds one.
 * Every failure is a 4xx in the envelope: nothing reaches Sentry.
 */
import sjson from 'secure-json-parse';
import { HttpError } from './errors.js';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const OPEN_ARRAY = 91;
const CLOSE_OBJECT = 125;
const CLOSE_ARRAY = 93;

/** The deepest nesting of objects and arrays in `text`, stopping as soon as it passes `max`. */
export function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return false;
}

/** NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (key or value) holding NUL or a lone surrogate, or null. */
export function unstorableText(value: unknown, path = 'body'): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableText(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (UNSTORABLE.test(k)) return `${path} (a key)`;
    const found = unstorableText(v, `${path}.${k}`);
    if (found) return found;
  }
  return null;
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text === '') throw new HttpError(400, "Body cannot be empty when content-type is set to 'application/json'", { code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
  if (exceedsDepth(text, maxDepth)) throw new HttpError(400, `JSON nested deeper than ${maxDepth} levels`, { code: 'JSON_TOO_DEEP' });
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const message = (err as Error).message;
    // Fastify's own message and code for invalid JSON; secure-json-parse's for a poisoning attempt.
    if (/forbidden/.test(message)) throw new HttpError(400, message, { code: 'JSON_FORBIDDEN_PROPERTY' });
    throw new HttpError(400, "Body is not valid JSON but content-type is set to 'application/json'", { code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  }
  if (text.includes('\\u') || text.includes('\\U')) {
    const at = unstorableText(value);
    if (at) throw new HttpError(400, `${at} holds a NUL character or a lone surrogate (\\u0000, \\ud800...), which cannot be stored`, { code: 'JSON_UNSTORABLE_TEXT' });
  }
  return value;
}
