// Used by `npm run bench:footprint` (per-module cost): imports the module named in argv[2] in a
// fresh node process and prints {before, after} RSS in bytes, read from /proc (what the OS bills).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const spec = process.argv[2];
const settle = () => new Promise((r) => setTimeout(r, 300));
await settle();
const before = rss();
await import(spec.startsWith('.') || spec.startsWith('/') ? pathToFileURL(spec).href : spec);
await settle();
process.stdout.write(JSON.stringify({ before, after: rss() }));
