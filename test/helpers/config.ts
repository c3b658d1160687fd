/**
 * testConfig(overrides): a config for tests, from defaults plus overrides, without reading
 * process.env. Required variables get the `testValue` their declaration gives (config/fields.ts),
 * so adding one does not break every test. DATABASE_URL defaults to `pglite:memory` so a test app
 * never touches ./data; load shedding is off unless a test opts in (on a busy CI machine the
 * event loop crosses its threshold and unrelated answers would become 503s), and so are the memory
 * guard and shedding on RSS (the test runner's one process holds many apps at once, well above a
 * production process; the tests of those features opt in); the health cache is off (tests change
 * a check and read /ready at once).
 */
import { loadConfig, type AppConfig } from '../../src/config/load.js';
import { ENV_DOCS } from '../../src/config/schema.js';

const REQUIRED_TEST_VALUES = Object.fromEntries([...ENV_DOCS].filter(([, d]) => d.testValue !== undefined).map(([k, d]) => [k, d.testValue!]));

export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    ...REQUIRED_TEST_VALUES,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'pglite:memory',
    LOAD_SHEDDING_ENABLED: 'false',
    MAX_RSS_MB: '0',
    SHED_MAX_RSS_MB: '0',
    // Tests flip a check and read /ready at once: no reuse of a previous run unless a test opts in.
    HEALTH_CACHE_MS: '0',
    ...overrides,
  });
}
