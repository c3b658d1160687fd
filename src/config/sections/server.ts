import { bool, int, oneOf, str } from '../fields.js';

export const server = {
  NODE_ENV: oneOf(['development', 'production', 'test']).prefault('development'),
  PORT: int(1, 65535).prefault('3000'),
  HOST: str().prefault('::'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
  /** Pretty logs; defaults to "on when stdout is a terminal and NODE_ENV is not production". */
  LOG_PRETTY: bool().optional(),
  BODY_LIMIT_BYTES: int(1, 1024 * 1024 * 1024).prefault(String(1024 * 1024)),
  SLOW_REQUEST_MS: int(1).prefault('1000'),
  /** Whole-request deadline (Node's server.requestTimeout). */
  REQUEST_TIMEOUT_MS: int(1).prefault('30000'),
  /** Time allowed to receive the request headers (slowloris guard). */
  HEADERS_TIMEOUT_MS: int(1).prefault('15000'),
  /** Idle keep-alive; longer than the proxy's so the proxy, not us, closes idle sockets. */
  KEEP_ALIVE_TIMEOUT_MS: int(1).prefault('72000'),
  /** Trust X-Forwarded-* (on by default when running on Railway, whose proxy sets them). */
  TRUST_PROXY: bool().optional(),
};
