/**
 * A counter whose value a component already keeps (a cumulative count in its stats): read at
 * scrape time and exposed as a Prometheus counter, so the component needs no metrics code of its own.
 */
import { Counter, type Registry } from 'prom-client';

type Labels = Record<string, string>;

export function countFrom(
  opts: { name: string; help: string; labelNames?: string[]; registers: Registry[] },
  read: () => [Labels, number][],
): Counter {
  return new Counter({
    ...opts,
    labelNames: opts.labelNames ?? [],
    collect() {
      // The component's count only grows (it restarts with the process, as a counter may).
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, Number.isFinite(value) && value > 0 ? value : 0);
    },
  });
}
