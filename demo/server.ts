// `npm run demo`: a host app with the plugin registered and a page to try it on. With nothing
// configured it brings its own services: an embedded database (PGlite, kept in .demo-data/), a
// private redis-server, the built-in WebSocket, and emails kept in the local mailbox.
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import webpush from 'web-push';
import trestaNotifications, { DEFAULT_NOTIFICATION_TYPES, optionsFromEnv } from '../plugin/index.js';
import { redisDayCost } from './cost.js';
import { writeDemoHistory } from './history.js';
import { FLOOD_MAX, SAMPLES } from './samples.js';
import { demoDatabaseUrl, demoRedis, giveUp } from './services.js';
import { createSessionSigner, isDemoUser, ISSUER, USERS } from './users.js';

const PORT = Number(process.env.PORT ?? 3000);
const APP_URL = process.env.APP_URL ?? `http://localhost:${PORT}`;
// Real email needs an address that is really yours: with a Resend key and TRESTA_DEMO_EMAIL, every
// demo user's email goes there; otherwise emails stay in the local mailbox shown on the page.
const REAL_EMAIL_TO = process.env.RESEND_API_KEY ? process.env.TRESTA_DEMO_EMAIL : undefined;
// Signs the emails' unsubscribe links, so that they still work after a restart of the demo. Only
// for this local demo: production sets UNSUBSCRIBE_SECRET.
const DEMO_UNSUBSCRIBE_SECRET = 'tresta-demo-unsubscribe-links-not-for-production';

const redis = await demoRedis();
// The private redis-server goes with the demo, however the demo ends (signal, error, exit).
process.on('exit', () => redis.child?.kill());
const sessions = await createSessionSigner();
const fromEnv = optionsFromEnv(process.env);
// Web push needs a VAPID key pair: VAPID_* from the environment, else a pair made for this run
// (browsers subscribed to it stop receiving pushes when the demo restarts with a new one).
const webPush = fromEnv.webPush ?? {
  ...(({ publicKey, privateKey }) => ({ vapidPublicKey: publicKey, vapidPrivateKey: privateKey }))(webpush.generateVAPIDKeys()),
  subject: 'mailto:demo@tresta.local',
};
const webPushSource = fromEnv.webPush
  ? 'VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY'
  : 'generated at start (web-push generateVAPIDKeys)';
// The immediate types also reach the lock screen.
const types = Object.fromEntries(
  Object.entries(DEFAULT_NOTIFICATION_TYPES).map(([name, config]) => [name, { ...config, push: config.email === 'immediate' }]),
);

// Warnings and errors go to stderr: stdout carries the one line with the URL. Creating a new
// embedded database (initdb) takes a while, longer than Fastify's default 10 s on a busy machine.
const app = Fastify({ logger: { level: 'warn', stream: process.stderr }, pluginTimeout: 120_000 });
try {
  await app.register(trestaNotifications, {
    ...fromEnv,
    database: { url: demoDatabaseUrl() },
    redis: { url: redis.url, ...(process.env.TRESTA_REDIS_PREFIX ? { prefix: process.env.TRESTA_REDIS_PREFIX } : {}) },
    auth: { jwt: { publicKey: sessions.publicKeyPem, issuer: ISSUER } },
    appUrl: APP_URL,
    realtime: { ...fromEnv.realtime, allowedOrigins: [new URL(APP_URL).origin, `http://127.0.0.1:${PORT}`] },
    email: {
      ...fromEnv.email,
      enabled: REAL_EMAIL_TO !== undefined,
      unsubscribeSecret: fromEnv.email?.unsubscribeSecret ?? DEMO_UNSUBSCRIBE_SECRET,
      resolveRecipient: async (userId) =>
        isDemoUser(userId) ? { email: REAL_EMAIL_TO ?? `${userId}@demo.tresta.local`, name: USERS[userId].name } : null,
    },
    workers: true,
    webPush,
    types,
  });
} catch (error) {
  giveUp(`cannot start the notifications plugin: ${(error as Error).message}`);
}

// The page: plain ES modules and a stylesheet, served as they are (no build step).
const PUBLIC = new URL('./public/', import.meta.url);
const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css' };
app.get('/', async (_request, reply) => reply.type('text/html').send(await readFile(new URL('index.html', PUBLIC))));
app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
  const match = /^[a-z-]+\.(js|css)$/.exec(request.params.file);
  const body = match ? await readFile(new URL(request.params.file, PUBLIC)).catch(() => null) : null;
  if (!match || !body) return reply.status(404).send({ message: 'not found' });
  return reply.type(CONTENT_TYPES[match[1] as string] as string).send(body);
});

// Where notification links and action buttons lead: a page of the demo app, not a JSON 404.
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const landing = (path: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Tresta — ${escapeHtml(path)}</title>
<link rel="stylesheet" href="/assets/demo.css"></head><body><main><section class="card landing">
<h1>${escapeHtml(path)}</h1><p>A page of the host app: the notification (or its action button) you clicked leads here,
and the widget marked it read on the way.</p><p><a class="button" href="/">Back to the dashboard</a></p>
</section></main></body></html>`;
for (const route of ['/testimonials/*', '/moderation', '/settings/*']) {
  app.get(route, async (request, reply) => reply.type('text/html').send(landing(new URL(request.url, 'http://demo').pathname)));
}

app.get<{ Querystring: { user: string } }>('/demo/token', async (request, reply) => {
  const { user } = request.query;
  if (!isDemoUser(user)) return reply.status(404).send({ message: 'no such demo user' });
  return {
    token: await sessions.sign(user),
    user,
    name: USERS[user].name,
    admin: USERS[user].admin,
    types: Object.entries(types).map(([name, config]) => ({ name, email: config.email, push: config.push })),
    // For the operations panel: the public key only (it is public: every browser subscribing gets it).
    webPush: { vapidPublicKey: webPush.vapidPublicKey, subject: webPush.subject, source: webPushSource },
  };
});

// Fires notifications for the signed-in user, as the host's business code would. The user comes
// from the same verified token the plugin's routes use.
app.post<{ Body: { type: string; count?: number } }>('/demo/notify', async (request, reply) => {
  const userId = await sessions.verify(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
  if (!userId) return reply.status(401).send({ message: 'sign in first' });
  const sample = SAMPLES[request.body.type];
  if (!sample) return reply.status(400).send({ message: 'unknown type' });
  const count = Math.min(Math.max(request.body.count ?? 1, 1), FLOOD_MAX);
  const written = await app.notifications.notifyMany(
    Array.from({ length: count }, (_, i) => ({
      userId,
      type: request.body.type,
      ...sample,
      title: count > 1 ? `${sample.title} #${i + 1}` : sample.title,
      // A flood arrives as one inbox row with its count, expandable.
      groupKey: count > 1 ? 'flood' : undefined,
    })),
  );
  return { written: written.length };
});

// The day's cost for the operations panel (admins): Redis commands counted from the demo's first
// look at Redis today, and whether real-time messages go through Ably (which counts each one).
const costOfToday = redisDayCost(app);
app.get('/demo/cost', async (request, reply) => {
  const userId = await sessions.verify(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
  if (!userId || !isDemoUser(userId) || !USERS[userId].admin) return reply.status(403).send({ message: 'admins only' });
  return { ...(await costOfToday()), ably: Boolean(fromEnv.realtime?.ablyApiKey) };
});

// Every email as it would have been sent: the mailbox adapter keeps them in tresta_mailbox.
app.get('/demo/mailbox', async () =>
  app.notifications.orm.em
    .getConnection()
    .execute(
      `select id, "from", "to", subject, html, text, headers, created_at from tresta_mailbox order by created_at desc limit 30`,
    ),
);

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  await app.listen({ port: PORT, host: '127.0.0.1' });
} catch (error) {
  await app.close();
  giveUp(`cannot listen on port ${PORT} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set PORT=…`);
}
await writeDemoHistory(app);
// The day's Redis count starts here, before anyone opens the panel.
await costOfToday();
console.log(`Tresta Notifications demo: ${APP_URL}`);
