/**
 * Sentry settings and filters, used by src/instrument.ts (which runs before anything else and
 * before the full config is validated) and by sentry.plugin.ts.
 *
 * What is reported:
 *   - errors that become 5xx responses, tagged with the request id (`request_id`), so an event
 *     leads straight to the access log line and the client's X-Request-Id;
 *   - uncaught exceptions / unhandled rejections (Sentry's default global handlers);
 *   - jobs that end `dead` (sentry.plugin.ts).
 * Never reported: 4xx (the client's mistake), and deliberate 503s that carry Retry-After (load
 * shedding, a full queue, a dependency known to be down): they are back-pressure working as
 * designed, visible in metrics and alerts, and reporting each one would exhaust the Sentry quota
 * exactly during an incident.
 */
import { createRequire } from 'node:module';
import type { NodeOptions } from '@sentry/node';
import { sentrySchema } from '../config/sections/sentry.js';
import { buildInfo } from '../shared/build-info.js';
import { maskPath, maskText, maskUrl } from '../shared/mask.js';

export interface SentrySettings {
  dsn: string;
  environment: string;
  release: string;
  /** Undefined when 0: no tracing integrations at all, only error capture (cheaper than sampling 0%). */
  tracesSampleRate?: number;
}

/** Settings from the environment, or null when SENTRY_DSN is unset (or invalid: boot reports that). */
export function sentrySettings(env: Record<string, string | undefined>): SentrySettings | null {
  const input: Record<string, string> = {};
  for (const key of Object.keys(sentrySchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = sentrySchema.safeParse(input);
  if (!parsed.success || !parsed.data.SENTRY_DSN) return null;
  const c = parsed.data;
  const info = buildInfo();
  const commit = c.RAILWAY_GIT_COMMIT_SHA ?? info.commit;
  return {
    dsn: c.SENTRY_DSN!,
    environment: c.SENTRY_ENVIRONMENT ?? c.RAILWAY_ENVIRONMENT_NAME ?? c.NODE_ENV ?? 'development',
    release: commit ? `${info.name}@${info.version}+${commit.slice(0, 12)}` : `${info.name}@${info.version}`,
    tracesSampleRate: c.SENTRY_TRACES_SAMPLE_RATE > 0 ? c.SENTRY_TRACES_SAMPLE_RATE : undefined,
  };
}

/** Request ids of the errors we decided to report, read back when the event is built. */
const requestIds = new WeakMap<object, string>();

type ErrorLike = Error & { statusCode?: number; retryAfter?: number };

/** The status our error handler will answer with (http/error-handler.plugin.ts uses the same rule). */
function statusOf(error: ErrorLike): number {
  const s = error.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

/** fastifyIntegration's `shouldHandleError`: 5xx only, minus deliberate 503s (see the header). */
export function shouldReport(error: Error, request: object): boolean {
  const e = error as ErrorLike;
  if (statusOf(e) < 500 || e.retryAfter !== undefined) return false;
  const id = (request as { id?: unknown }).id;
  if (typeof id === 'string') requestIds.set(error, id);
  return true;
}

/** Name of Sentry's Fastify integration (present only when tracing is on). */
export const FASTIFY_INTEGRATION = 'Fastify';

const DROP_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization'];

/** Tag set on events about jobs (sentry.plugin.ts): they carry no request, even one in scope. */
export const JOB_EVENT_TAG = 'job_id';

type Event = Parameters<NonNullable<NodeOptions['beforeSend']>>[0];
type Breadcrumb = Parameters<NonNullable<NodeOptions['beforeBreadcrumb']>>[0];

/** Credentials masked in everything an event carries as text (shared/mask.ts). */
export function scrubEvent(event: Event): Event {
  // A job runs in the async context of the request that submitted it (embedded mode): its event
  // must not carry that request's headers or body.
  if (event.tags?.[JOB_EVENT_TAG] !== undefined) delete event.request;
  if (event.request) {
    for (const h of DROP_HEADERS) if (event.request.headers?.[h]) delete event.request.headers[h];
    delete event.request.cookies;
    delete event.request.data;
    if (event.request.url) event.request.url = maskUrl(event.request.url);
    if (typeof event.request.query_string === 'string') event.request.query_string = maskPath(`?${event.request.query_string}`).slice(1);
    else if (event.request.query_string) delete event.request.query_string;
  }
  if (event.message) event.message = maskText(event.message);
  for (const ex of event.exception?.values ?? []) if (ex.value) ex.value = maskText(ex.value);
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb);
  if (event.contexts) event.contexts = JSON.parse(maskText(JSON.stringify(event.contexts))) as Event['contexts'];
  return event;
}

export function scrubBreadcrumb(crumb: Breadcrumb): Breadcrumb {
  if (crumb.message) crumb.message = maskText(crumb.message);
  if (crumb.data) {
    for (const [k, v] of Object.entries(crumb.data)) if (typeof v === 'string') crumb.data[k] = maskText(v);
    if (typeof crumb.data['http.query'] === 'string') crumb.data['http.query'] = maskPath(crumb.data['http.query']);
  }
  return crumb;
}

type SentryModule = typeof import('@sentry/node');

let sdk: SentryModule | undefined;
/**
 * The SDK, through its CommonJS entry (the package's `require` export): it loads the same ~600
 * files in ~8 MB less memory than its ESM build. Everything here uses this one copy.
 */
export function loadSentry(): SentryModule {
  return (sdk ??= createRequire(import.meta.url)('@sentry/node') as SentryModule);
}

/**
 * Integrations with tracing off: just what the reports above need. The SDK's defaults add a dozen
 * more (framework error handlers, sessions, modules list, child process and worker tracking...).
 */
function errorIntegrations(S: SentryModule) {
  return [
    S.eventFiltersIntegration(),
    S.functionToStringIntegration(),
    S.linkedErrorsIntegration(),
    S.dedupeIntegration(),
    // Request isolation and the request (URL, method, filtered headers) on 5xx events; outgoing
    // HTTP/fetch calls as breadcrumbs. Node's own diagnostics channels: no module hooks.
    S.requestDataIntegration(),
    S.httpIntegration({ spans: false }),
    S.nativeNodeFetchIntegration({ spans: false }),
    S.onUncaughtExceptionIntegration(),
    S.onUnhandledRejectionIntegration(),
    S.systemErrorIntegration(),
    S.contextLinesIntegration(),
    // `culture` (locale, time zone) loads ICU data: ~7 MB for a server's constant UTC locale.
    S.nodeContextIntegration({ culture: false }),
  ];
}

export function sentryInitOptions(settings: SentrySettings, S: SentryModule): NodeOptions {
  const tracing = settings.tracesSampleRate !== undefined;
  return {
    dsn: settings.dsn,
    environment: settings.environment,
    release: settings.release,
    tracesSampleRate: settings.tracesSampleRate,
    // Privacy first (v11 collects most of this by default): no client IPs, cookies, bodies or
    // local variables; headers and query strings keep the SDK's filtering of keys and tokens.
    dataCollection: { userInfo: false, cookies: false, httpBodies: [], stackFrameVariables: false },
    // The runtime injection rewrites pg, ioredis and other modules as they load, from a module-hooks
    // thread: ~25 MB and most of the SDK's boot CPU. Only tracing (their spans) needs it.
    enableRuntimeChannelInjection: tracing,
    // Sentry's Fastify integration wraps every hook of every request in a span: with tracing off
    // that buys nothing and costs several times the rest of a request (docs/ARCHITECTURE.md,
    // performance). So it is used only when tracing is on; otherwise sentry.plugin.ts captures 5xx
    // from an onError hook, which runs only when a request fails.
    ...(tracing
      ? { integrations: [S.fastifyIntegration({ shouldHandleError: shouldReport })] }
      : { defaultIntegrations: false, integrations: errorIntegrations(S) }),
    beforeSend(event, hint) {
      const id = hint.originalException && typeof hint.originalException === 'object' ? requestIds.get(hint.originalException) : undefined;
      if (id) event.tags = { ...event.tags, request_id: id };
      // Belt and braces on top of dataCollection: credentials and bodies never leave.
      return scrubEvent(event);
    },
    beforeBreadcrumb: (crumb) => scrubBreadcrumb(crumb),
  };
}
