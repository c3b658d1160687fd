/**
 * ops/grafana/railfast.json and ops/prometheus/alerts.yml: every metric either one names exists in
 * what /metrics serves (API and worker, after real traffic and jobs), so a rename cannot silently
 * empty a panel or disarm an alert; `promtool check rules` and the rule unit tests
 * (ops/prometheus/alerts.test.yml) pass where promtool is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { accept, buildQueueApp, waitStatus } from '../helpers/queue.js';
import { parseProm, promtool, runPromtool } from '../helpers/prom.js';
import { build } from '../helpers/build.js';

const DASHBOARD = 'ops/grafana/railfast.json';
const RULES = 'ops/prometheus/alerts.yml';
const RULE_TESTS = 'ops/prometheus/alerts.test.yml';

interface Panel {
  title: string;
  type: string;
  panels?: Panel[];
  targets?: { expr: string }[];
}

/** Metric names in a PromQL expression: our families (label names, functions and keywords never match these prefixes). */
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:railfast|http|process|nodejs|circuit_breaker|redis|alerts)_[a-z0-9_]+/g)].map((m) => m[0]);

function dashboardExprs(): { title: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
}

function ruleExprs(): { title: string; expr: string }[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ title: r.alert, expr: String(r.expr) })));
}

test('the dashboard has the panels operators need', () => {
  const titles = new Set(dashboardExprs().map((e) => e.title));
  for (const t of [
    'Requests per second by route',
    'Latency p50 by route',
    'Latency p99 by route',
    '5xx ratio',
    'Queue depth by state',
    'Job throughput by type',
    'Job failures by type',
    'DB pool connections',
    'Outbound breakers by target',
    'Resident memory (RSS)',
    'Event-loop lag',
  ]) assert.ok(titles.has(t), `panel "${t}" missing`);
  const alerts = new Set(ruleExprs().map((e) => e.title));
  for (const a of ['RailfastInstanceDown', 'RailfastHigh5xxRatio', 'RailfastLatencyP99OverTarget', 'RailfastJobsDying', 'RailfastQueueBackingUp', 'RailfastDatabaseDown', 'RailfastOutboundBreakerOpen', 'RailfastMemoryNearLimit']) {
    assert.ok(alerts.has(a), `alert ${a} missing`);
  }
});

test('every metric named by the dashboard and the alert rules is served by /metrics (API and worker)', async (t) => {
  // The memory guard is on, as in production (test config turns it off), so its limit is exported.
  const guard = { MAX_RSS_MB: '4096' };
  const app = await buildQueueApp({ QUEUE_MAX_ATTEMPTS: '1', ...guard });
  t.after(() => app.close());
  const ok = await accept(app, { type: 'echo', payload: {} });
  const dies = await accept(app, { type: 'flaky', payload: { failTimes: 1 } });
  await waitStatus(app, ok, ['completed']);
  await waitStatus(app, dies, ['dead']);
  await app.inject('/live');
  const worker = await build(t, guard, { role: 'worker' });
  for (const [who, instance] of [['api', app], ['worker', worker]] as const) {
    const served = new Set<string>();
    const { samples, types } = parseProm((await instance.inject('/metrics')).body);
    for (const s of samples) served.add(s.name);
    for (const [name, type] of types) {
      served.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) served.add(name + suffix);
    }
    const missing = [...dashboardExprs(), ...ruleExprs()].flatMap(({ title, expr }) => metricNames(expr).filter((m) => !served.has(m)).map((m) => `${title}: ${m}`));
    assert.deepEqual(missing, [], `not served by the ${who}`);
  }
  assert.ok(metricNames(dashboardExprs().map((e) => e.expr).join(' ')).length >= 15);
});

test('promtool check rules and the rule unit tests', (t) => {
  const bin = promtool(t);
  if (!bin) return;
  assert.match(runPromtool(bin, ['check', 'rules', RULES]), /SUCCESS: \d+ rules found/);
  assert.match(runPromtool(bin, ['test', 'rules', RULE_TESTS]), /SUCCESS/);
});
