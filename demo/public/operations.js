// The operator's view (admins only), straight from the plugin's admin API: today's email quota and
// the queues (GET /admin/metrics), dead letters with requeue (/admin/dlq), and the scheduled jobs
// run on demand (POST /admin/jobs/:name/run).
import { $, el, timeOf } from './dom.js';
import { api } from './session.js';

function renderQuota(quota) {
  $('quota-used').textContent = String(quota.used);
  $('quota-limit').textContent = quota.locked ? `${quota.limit} (normal emails wait for tomorrow)` : String(quota.limit);
  $('quota-meter').style.width = `${Math.min(100, (quota.used / quota.limit) * 100)}%`;
  // Every email counts, critical ones too; normal email stops where the critical reserve begins.
  $('quota-note').textContent = `${quota.remaining} left for normal email; ${quota.reserve} kept for critical email`;
}

/** `digest (2026-11-27): completed — sent 1, skipped 2, carried 0` rather than raw JSON. */
function describeOutcome({ job, period, status, ...counts }) {
  const figures = Object.entries(counts)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => `${name} ${value}`);
  return `${job}${period ? ` (${period})` : ''}: ${status}${figures.length > 0 ? ` — ${figures.join(', ')}` : ''}`;
}

function renderQueues(queues) {
  $('queues').replaceChildren(
    ...Object.entries(queues).map(([name, counts]) =>
      el(
        'tr',
        {},
        el('td', { textContent: name }),
        ...['waiting', 'active', 'delayed', 'failed'].map((state) => el('td', { textContent: String(counts[state] ?? 0) })),
      ),
    ),
  );
}

function renderDeadLetters(items) {
  if (items.length === 0) {
    $('dead-letters').replaceChildren(
      el('li', { className: 'muted', textContent: 'None: every job succeeded or is still retrying.' }),
    );
    return;
  }
  $('dead-letters').replaceChildren(
    ...items.map((letter) => {
      const requeue = el('button', { type: 'button', className: 'button small', textContent: 'Requeue' });
      requeue.disabled = letter.requeuedAt !== null;
      if (letter.requeuedAt) requeue.textContent = 'Requeued';
      requeue.addEventListener('click', async () => {
        requeue.disabled = true;
        await api(`/admin/dlq/${letter.id}/requeue`, { method: 'POST' }).catch(() => (requeue.disabled = false));
        await refreshOperations();
      });
      return el(
        'li',
        {},
        el(
          'span',
          { className: 'what' },
          `${letter.queue} · ${letter.jobName} · ${letter.errorType} · ${timeOf(letter.createdAt)} — `,
          el('span', { className: 'error', textContent: letter.errorMessage }),
        ),
        requeue,
      );
    }),
  );
}

// The free plans these figures count against (their own pricing pages, as quoted in docs/free-tier.md).
const UPSTASH_FREE_COMMANDS_A_MONTH = 500_000;
const RESEND_FREE_EMAILS_A_DAY = 100;
const ABLY_FREE_MESSAGES_A_MONTH = 6_000_000;
const perDay = (monthly) => Math.round(monthly / 30).toLocaleString('en');

function renderCost(cost, metrics) {
  $('cost-redis').textContent =
    `${cost.redisCommands.toLocaleString('en')} (Upstash free: ${perDay(UPSTASH_FREE_COMMANDS_A_MONTH)} a day)`;
  $('cost-emails').textContent = `${metrics.emails.sentToday} (Resend free: ${RESEND_FREE_EMAILS_A_DAY} a day)`;
  $('cost-realtime').textContent = cost.ably
    ? `${metrics.notifications.sentToday} Ably messages (Ably free: ${perDay(ABLY_FREE_MESSAGES_A_MONTH)} a day)`
    : `${metrics.notifications.sentToday}, over the built-in WebSocket: no Ably messages`;
  $('cost-note').textContent =
    `Redis counted since ${new Date(cost.since).toLocaleTimeString()}; emails and messages since 00:00 UTC.`;
}

export async function refreshOperations() {
  const [metrics, deadLetters, cost] = await Promise.all([api('/admin/metrics'), api('/admin/dlq?limit=20'), api('/demo/cost')]);
  renderQuota(metrics.quota);
  renderCost(cost, metrics);
  renderQueues(metrics.queues);
  renderDeadLetters(deadLetters.items);
}

async function runJob(button) {
  const name = button.dataset.job;
  button.disabled = true;
  $('job-result').textContent = `Running ${name}…`;
  try {
    const outcome = await api(`/admin/jobs/${name}/run`, { method: 'POST' });
    $('job-result').textContent = describeOutcome({ job: name, ...outcome });
    await refreshOperations();
  } catch (error) {
    $('job-result').textContent =
      error.status === 404 ? `${name} cannot be run from here on this server yet (404).` : `${name} failed: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

for (const button of document.querySelectorAll('[data-job]')) button.addEventListener('click', () => runJob(button));
$('refresh-operations').addEventListener('click', () => refreshOperations());
