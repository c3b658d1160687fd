/**
 * Docs that stay up (openapi/swagger-ui.plugin.ts, http/rate-limit.plugin.ts): Swagger UI's page,
 * every asset it links and the document load 50 times in a row without a 429, even with a tight
 * API rate limit, and without spending the API's budget; assets linked with the build's version
 * are cacheable for a year (immutable), the page and the document are revalidated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';

test('50 reloads of /docs (page, every asset, the document) without a 429; assets immutable', async (t) => {
  const app = await build(t, { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '20', RATE_LIMIT_WINDOW_MS: '60000' });
  const page = await app.inject('/docs');
  assert.equal(page.statusCode, 200);
  const assets = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1]!, 'http://x/docs').pathname + new URL(m[1]!, 'http://x/docs').search);
  assert.ok(assets.length >= 5, `assets linked: ${assets.join(', ')}`);
  for (const a of assets) assert.match(a, /^\/docs\/static\/[^?]+\?v=.+$/, `${a} is not versioned`);
  const urls = ['/docs', ...assets, '/docs/json'];

  const statuses = new Map<number, number>();
  for (let load = 0; load < 50; load++) {
    for (const url of urls) {
      const res = await app.inject(url);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode !== 200) assert.fail(`load ${load + 1}: ${url} answered ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (load === 0) {
        const cc = String(res.headers['cache-control']);
        if (url.startsWith('/docs/static/')) assert.equal(cc, 'public, max-age=31536000, immutable', url);
        else assert.equal(cc, 'no-cache', url);
      }
    }
  }
  assert.deepEqual([...statuses], [[200, 50 * urls.length]]);

  // An asset asked for without the current version (an older page) is cached briefly only.
  const old = await app.inject('/docs/static/swagger-ui-bundle.js?v=old');
  assert.equal(old.headers['cache-control'], 'public, max-age=300');
  // The API's own budget is untouched by all of that.
  const api = await app.inject('/api/v1/jobs/00000000-0000-4000-8000-000000000000');
  assert.equal(api.headers['ratelimit-remaining'], '19');
});
