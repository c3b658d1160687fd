/**
 * A local HTTP server on 127.0.0.1 standing in for a service we call (outbound tests), a webhook
 * receiver (alerts) or Sentry's ingest endpoint. Records every request; `respond` decides the
 * answer (default 200 "ok"). Closed with `close()` (call it in t.after).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Responder = (req: Received, res: ServerResponse) => void | Promise<void>;

export async function httpReceiver(respond: Responder = (_req, res) => void res.end('ok')) {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let handler = respond;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw.toString('utf8'),
        at: Date.now(),
      };
      received.push(r);
      for (const w of [...waiters])
        if (received.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      void Promise.resolve(handler(r, res)).catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    /** Change the behaviour for the requests that follow. */
    respondWith(r: Responder) {
      handler = r;
    },
    /** Resolve once `n` requests in total have arrived; reject after `timeoutMs`. */
    waitFor(n: number, timeoutMs = 5000): Promise<void> {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${n} request(s) within ${timeoutMs} ms, got ${received.length}`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Answer with `status` and optional headers/body. */
export const reply =
  (status: number, body = '', headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, headers).end(body);
  };
