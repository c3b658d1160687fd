import { bool, int, oneOf, str, trustProxy, env, section } from '../fields.js';

export const server = section('Server', {
  NODE_ENV: env(oneOf(['development', 'production', 'test']).prefault('development'), {
    doc: 'development | production | test.',
    essential: true,
  }),
  PORT: env(int(1, 65535).prefault('3000'), { doc: 'HTTP port (Railway injects it).', essential: true }),
  HOST: env(str().prefault('::'), { doc: "Bind address; `::` is dual-stack (IPv4 + IPv6), which Railway's private network needs." }),
  LOG_LEVEL: env(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'), {
    doc: 'fatal | error | warn | info | debug | trace | silent.',
    essential: true,
  }),
  LOG_PRETTY: env(bool().optional(), {
    doc: 'Pretty logs instead of JSON lines; unset → on when stdout is a terminal outside production.',
  }),
  BODY_LIMIT_BYTES: env(int(1, 1024 * 1024 * 1024).prefault(String(1024 * 1024)), { doc: 'Request bodies larger than this get 413.' }),
  JSON_MAX_DEPTH: env(int(1, 1000).prefault('64'), {
    doc: 'JSON bodies nested deeper than this (objects and arrays) get 400, checked before parsing.',
  }),
  SLOW_REQUEST_MS: env(int(1).prefault('1000'), { doc: 'Requests slower than this are logged at warn level.' }),
  REQUEST_TIMEOUT_MS: env(int(1).prefault('30000'), { doc: "Whole-request deadline (Node's server.requestTimeout)." }),
  HEADERS_TIMEOUT_MS: env(int(1).prefault('15000'), { doc: 'Time allowed to receive the request headers (slowloris guard).' }),
  KEEP_ALIVE_TIMEOUT_MS: env(int(1).prefault('72000'), {
    doc: "Idle keep-alive; longer than the proxy's so the proxy, not us, closes idle sockets.",
  }),
  TRUST_PROXY: env(trustProxy().optional(), {
    doc: 'Which proxies to believe about the client address (X-Forwarded-For, used as the rate-limit key): `false`, a hop count (`1` = only the nearest proxy: the right-most X-Forwarded-For entry is the client), a comma list of proxy addresses / CIDRs (`10.0.0.0/8,::1`), or `true` (every hop: the client can write the left-most entry, so only behind a proxy that overwrites the header).',
    defaultText: 'unset: `1` on Railway (its edge proxy is one hop), else `false`',
  }),
});
