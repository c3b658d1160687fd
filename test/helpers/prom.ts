/**
 * Prometheus text exposition, parsed strictly (any line that does not parse fails the test), and
 * promtool where the machine has it (Debian's `prometheus` package): tests skip those checks with
 * a clear message otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
// Values as Prometheus parses them (Go's ParseFloat: NaN/Inf in any case; prom-client writes "Nan").
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?[0-9.]+(?:e[+-]?\\d+)?|[Nn]a[Nn]|\\+Inf|-Inf)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

/** Parse the Prometheus text exposition format strictly: any line that does not parse fails. */
export function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      assert.match(line, new RegExp(`^# HELP ${NAME} `), `line ${i + 1}: ${line}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      assert.ok(m, `line ${i + 1}: ${line}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `line ${i + 1} is not a valid sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      let l: RegExpExecArray | null;
      while ((l = LABEL.exec(m[2]))) {
        labels[l[1]!] = l[2]!;
        consumed = LABEL.lastIndex;
      }
      assert.equal(consumed, m[2].length, `line ${i + 1}: bad labels: ${line}`);
    }
    samples.push({ name: m[1]!, labels, value: /^nan$/i.test(m[3]!) ? NaN : Number(m[3]!.replace('+Inf', 'Infinity')) });
  }
  return { samples, types };
}

export const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));


/** The promtool binary, or null (the test is skipped, saying how to get it). */
export function promtool(t: TestContext): string | null {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return 'promtool';
  t.skip('promtool not installed (apt-get install prometheus): skipping the promtool check');
  return null;
}

/** Run promtool with `args`, `input` on stdin; returns its output, failing the test on a non-zero exit. */
export function runPromtool(bin: string, args: string[], input?: string): string {
  const run = spawnSync(bin, args, { encoding: 'utf8', input });
  const out = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, `promtool ${args.join(' ')}:\n${out}`);
  return out;
}
