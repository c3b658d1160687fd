/**
 * Alert sinks: the log (always on) and three webhooks. Each webhook is one POST of JSON; the
 * payload shapes follow each receiver's documented format:
 *   generic  the Alert itself                      (any JSON receiver)
 *   Slack    { text, attachments: [{ color, ... }] } (incoming webhooks; text is the notification)
 *   Discord  { content, embeds: [{ title, color, fields, timestamp }] } (within Discord's limits)
 * Alert text can hold what strangers wrote (a job's error quotes the URL it called, the answer it
 * got), so every text is escaped for the receiver: Slack's control characters (& < >, which is
 * what `<!channel>` and `<https://x|link>` are made of) and markdown off; Discord's markdown
 * escaped, @everyone / @here defused, and no mention parsed at all (allowed_mentions).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Alert, Severity, Sink } from './types.js';

const ICON: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };
const COLOR: Record<Severity, string> = { critical: '#d63232', warning: '#f2a900', info: '#2f80ed' };
const truncate = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Slack's documented escaping for message text: &, < and > (links, mentions and commands start with <). */
export const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Discord: markdown characters backslash-escaped, mass mentions broken with a zero-width space. */
export const escapeDiscord = (s: string): string =>
  s.replace(/[\\*_~`|>#[\]()<-]/g, '\\$&').replace(/@(everyone|here)/gi, '@\u200b$1').replace(/<@/g, '<\u200b@');

function facts(alert: Alert): [string, string][] {
  const out: [string, string][] = Object.entries(alert.details ?? {}).map(([k, v]) => [k, String(v)]);
  out.push(['type', alert.type], ['service', alert.service], ['environment', alert.environment], ['instance', alert.instance]);
  if (alert.suppressed) out.push(['suppressed', `${alert.suppressed} similar alert(s) since the last one`]);
  return out;
}

export function logSink(log: FastifyBaseLogger): Sink {
  return {
    name: 'log',
    async send(alert) {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      log[level]({ alert }, `alert [${alert.severity}] ${alert.title}`);
    },
  };
}

async function postJson(url: string, body: unknown, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  await res.body?.cancel().catch(() => {});
  if (!res.ok) throw new Error(`answered ${res.status}`);
}

export function webhookSink(url: string): Sink {
  return { name: 'webhook', send: (alert, signal) => postJson(url, alert, signal) };
}

export function slackPayload(alert: Alert) {
  const headline = `${ICON[alert.severity]} [${alert.severity.toUpperCase()}] ${escapeSlack(alert.title)}`;
  return {
    text: truncate(headline, 3000),
    mrkdwn: false,
    attachments: [
      {
        color: COLOR[alert.severity],
        mrkdwn_in: [] as string[],
        ...(alert.message ? { text: truncate(escapeSlack(alert.message), 3000) } : {}),
        fields: facts(alert).map(([title, value]) => ({ title: escapeSlack(title), value: truncate(escapeSlack(value), 500), short: value.length < 40 })),
        footer: alert.service,
        ts: Math.floor(Date.parse(alert.at) / 1000),
      },
    ],
  };
}

export function slackSink(url: string): Sink {
  return { name: 'slack', send: (alert, signal) => postJson(url, slackPayload(alert), signal) };
}

export function discordPayload(alert: Alert) {
  return {
    // Discord's limits: content 2000, title 256, description 4096, 25 fields of name 256 / value 1024.
    content: truncate(`${ICON[alert.severity]} [${alert.severity.toUpperCase()}] ${escapeDiscord(alert.title)}`, 2000),
    embeds: [
      {
        title: truncate(escapeDiscord(alert.title), 256),
        ...(alert.message ? { description: truncate(escapeDiscord(alert.message), 4096) } : {}),
        color: parseInt(COLOR[alert.severity].slice(1), 16),
        fields: facts(alert)
          .slice(0, 25)
          .map(([name, value]) => ({ name: truncate(escapeDiscord(name), 256), value: truncate(escapeDiscord(value), 1024) || '-', inline: value.length < 40 })),
        timestamp: alert.at,
      },
    ],
    allowed_mentions: { parse: [] as string[] },
  };
}

export function discordSink(url: string): Sink {
  return { name: 'discord', send: (alert, signal) => postJson(url, discordPayload(alert), signal) };
}
