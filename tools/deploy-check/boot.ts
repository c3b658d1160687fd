/**
 * What a platform does with a built image at deploy time: start the command, probe the health
 * path until 200 or the healthcheck budget runs out, later send SIGTERM and allow the draining
 * window before SIGKILL. Resolves with the measured times; throws with the service's output.
 */
import { type Env, kill, startService, stop, waitForStatus, type Service } from './proc.js';

export interface BootOptions {
  argv: string[];
  cwd: string;
  env: Env;
  port: number;
  healthPath: string;
  healthTimeoutMs: number;
  /** SIGTERM → exit must fit in this (drainingSeconds). */
  drainLimitMs: number;
  uid?: number;
  gid?: number;
  /** Extra probes while the service is up (e.g. run the Dockerfile HEALTHCHECK). */
  whileUp?: (service: Service, base: string) => Promise<void>;
}

export interface BootResult {
  healthMs: number;
  health: unknown;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  drainMs: number;
  output: string;
}

export async function bootAndDrain(o: BootOptions): Promise<BootResult> {
  const service = startService(o.argv, { cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid });
  try {
    const base = `http://127.0.0.1:${o.port}`;
    const up = await waitForStatus(`${base}${o.healthPath}`, 200, o.healthTimeoutMs, service);
    await o.whileUp?.(service, base);
    const down = await stop(service, 'SIGTERM', o.drainLimitMs);
    return { healthMs: up.ms, health: up.body, exitCode: down.code, exitSignal: down.signal, drainMs: down.ms, output: service.output() };
  } finally {
    await kill(service);
  }
}
