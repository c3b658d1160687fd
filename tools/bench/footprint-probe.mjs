// `npm run bench:footprint`, second pass: preloaded with --import into the app, it records which
// packages the process loads (ESM through a resolve hook, CommonJS through require.cache) and
// writes their names to FOOTPRINT_MODULES_OUT when the process exits. Never used in the
// measured pass (the hook thread costs memory of its own).
import { register, createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const seen = new Set();
const pkg = (url) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) seen.add(m[1]);
};
const { port1, port2 } = new MessageChannel();
port1.on('message', pkg);
port1.unref();
register('./footprint-probe-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const file of Object.keys(require.cache)) pkg(file);
  writeFileSync(process.env.FOOTPRINT_MODULES_OUT, JSON.stringify([...seen].sort()));
});
