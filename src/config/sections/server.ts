import { bool, int, oneOf, str } from '../fields.js';

export const server = {
  /** development | production | test. */
  NODE_ENV: oneOf(['development', 'production', 'test']).prefault('development'),
  /** HTTP port (Railway injects it). */
  PORT: int(1, 65535).prefault('3000'),
  /** Bind address; `::` is dual-stack (IPv4 + IPv6), which Railway's private network needs. */
  HOST: str().prefault('::'),
  /** fatal | error | warn | info | debug | trace | silent. */
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
  /** Pretty logs instead of JSON lines; unset → on when stdout is a terminal outside production. */
  LOG_PRETTY: bool().optional(),
  /** Request bodies larger than this get 413. */
  BODY_LIMIT_BYTES: int(1, 1024 * 1024 * 1024).prefault(String(1024 * 1024)),
  /** Requests slower than this are logged at warn level. */
  SLOW_REQUEST_MS: int(1).prefault('1000'),
  /** Whole-request deadline (Node's server.requestTimeout). */
  REQUEST_TIMEOUT_MS: int(1).prefault('30000'),
  /** Time allowed to receive the request headers (slowloris guard). */
  HEADERS_TIMEOUT_MS: int(1).prefault('15000'),
  /** Idle keep-alive; longer than the proxy's so the proxy, not us, closes idle sockets. */
  KEEP_ALIVE_TIMEOUT_MS: int(1).prefault('72000'),
  /** Trust X-Forwarded-* for client IPs; unset → on when running on Railway (its proxy sets them), else off. */
  TRUST_PROXY: bool().optional(),
};
