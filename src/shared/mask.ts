/**
 * Hide credentials before a value is shown or logged. One rule everywhere (/config,
 * /health/details, the access line, error messages, Sentry events):
 *   - userinfo: the password (or a lone user name, which is often a token) → `****`;
 *   - query parameters whose name looks like a credential (password, token, key, secret, sig,
 *     signature, auth, access_token, api_key, code, session...) → `name=****`;
 *   - the fragment (OAuth implicit flows put tokens there) → `#****`.
 */

const MASK = '****';

/** Parameter names that carry credentials: substrings, so `x-api-key`, `sessionId`, `X-Amz-Signature` match too. */
const CREDENTIAL_NAME = /pass|pwd|token|secret|key|sig|auth|credential|session|cookie|jwt|bearer|private|^code$/i;

/** True for a query parameter (or field) name that looks like it carries a credential. */
export const isCredentialName = (name: string): boolean => CREDENTIAL_NAME.test(name);

/** `a=1&token=x` → `a=1&token=****` (order, encoding and the other values untouched). */
export function maskQuery(query: string): string {
  if (query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // Malformed escape: judge the raw name.
      }
      return eq !== -1 && isCredentialName(name) ? `${rawName}=${MASK}` : pair;
    })
    .join('&');
}

/** A request target (`/path?query#fragment`, as in the access line) with its credentials masked. */
export function maskPath(target: string): string {
  const hash = target.indexOf('#');
  const withoutHash = hash === -1 ? target : target.slice(0, hash);
  const q = withoutHash.indexOf('?');
  const masked = q === -1 ? withoutHash : `${withoutHash.slice(0, q)}?${maskQuery(withoutHash.slice(q + 1))}`;
  return hash === -1 ? masked : `${masked}#${MASK}`;
}

/** Hide credentials inside a URL: `redis://:secret@host/0?password=x` → `redis://:****@host/0?password=****`. */
export function maskUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    // Not a URL we can parse: hide userinfo-looking text and credential parameters rather than risk a leak.
    return maskPath(value.replace(/\/\/[^@/]*@/, `//${MASK}@`));
  }
  // Non-special schemes (postgres:, redis:) keep their text as written; change only what needs it.
  if (!u.password && !u.username && !u.search && !u.hash) return value;
  const scheme = value.slice(0, value.indexOf(':') + 1);
  const rest = value.slice(scheme.length);
  let out = rest;
  if (u.password) out = out.replace(/^\/\/([^:@/]*):[^@/]*@/, `//$1:${MASK}@`);
  else if (u.username) out = out.replace(/^\/\/[^@/]*@/, `//${MASK}@`);
  return scheme + maskPath(out);
}

/** URLs inside free text (error messages, log lines): `connect to postgres://u:p@h failed` → masked. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
/** `password=...` / `token: ...` outside a URL. */
const PAIR_IN_TEXT = /\b([\w.-]*(?:pass|pwd|token|secret|api[_-]?key|signature|credential)[\w.-]*)(["']?\s*[=:]\s*["']?)([^\s"'&,;)]+)/gi;

const BEARER_IN_TEXT = /\b(Bearer|Basic)\s+[\w.~+/=-]+/g;

export function maskText(text: string): string {
  if (!text) return text;
  return text
    .replace(URL_IN_TEXT, (url) => maskUrl(url))
    .replace(BEARER_IN_TEXT, (_m, scheme: string) => `${scheme} ${MASK}`)
    .replace(PAIR_IN_TEXT, (whole, name: string, sep: string, value: string) => (value === MASK ? whole : `${name}${sep}${MASK}`));
}

/** Every string inside `value` (objects, arrays) through maskText; a copy, the input is not changed. */
export function maskDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1)) as T;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out as T;
}
