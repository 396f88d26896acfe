// `npm run demo`: a host app with the plugin registered and a page to try it on. Real Postgres and
// Redis (see demo/services.ts), the built-in WebSocket, and emails kept in the local mailbox.
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import trestaNotifications, { DEFAULT_NOTIFICATION_TYPES } from '../plugin/index.js';
import { demoDatabase, demoRedis, giveUp } from './services.js';

const PORT = Number(process.env.PORT ?? 3000);
const APP_URL = process.env.APP_URL ?? `http://localhost:${PORT}`;
const ISSUER = 'https://demo.tresta.local';

/** The people you can sign in as; Grace is the operator. */
const USERS = {
  ada: { name: 'Ada Lovelace', admin: false },
  alan: { name: 'Alan Turing', admin: false },
  grace: { name: 'Grace Hopper', admin: true },
} as const;
type DemoUser = keyof typeof USERS;

const databaseUrl = await demoDatabase();
const redis = await demoRedis();
// Session tokens are signed by a key made at start-up and checked by the same auth.jwt path
// production uses (RS256, issuer, admin claim): only the signer is a stand-in for Clerk.
const { publicKey, privateKey } = await generateKeyPair('RS256');

const app = Fastify({ logger: { level: 'warn' } });
await app.register(trestaNotifications, {
  database: { url: databaseUrl },
  redis: { url: redis.url },
  auth: { jwt: { publicKey: await exportSPKI(publicKey), issuer: ISSUER } },
  appUrl: APP_URL,
  realtime: { allowedOrigins: [new URL(APP_URL).origin, `http://127.0.0.1:${PORT}`] },
  email: {
    enabled: false,
    resolveRecipient: async (userId) =>
      userId in USERS ? { email: `${userId}@demo.tresta.local`, name: USERS[userId as DemoUser].name } : null,
  },
  workers: true,
});

app.get('/', async (_request, reply) =>
  reply.type('text/html').send(await readFile(new URL('./public/index.html', import.meta.url))),
);
app.get('/demo.js', async (_request, reply) =>
  reply.type('text/javascript').send(await readFile(new URL('./public/demo.js', import.meta.url))),
);

app.get<{ Querystring: { user: string } }>('/demo/token', async (request, reply) => {
  const user = request.query.user as DemoUser;
  if (!(user in USERS)) return reply.status(404).send({ message: 'no such demo user' });
  const token = await new SignJWT({ name: USERS[user].name, ...(USERS[user].admin ? { role: 'admin' } : {}) })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject(user)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  return { token, user, name: USERS[user].name, admin: USERS[user].admin, types: Object.keys(DEFAULT_NOTIFICATION_TYPES) };
});

const SAMPLES: Record<string, { title: string; message: string; link: string }> = {
  NEW_TESTIMONIAL: { title: 'New testimonial', message: 'Ada left 5 stars: “Exactly what we needed.”', link: '/testimonials/42' },
  TESTIMONIAL_APPROVED: {
    title: 'Testimonial approved',
    message: 'Your testimonial is live on the wall.',
    link: '/testimonials/42',
  },
  TESTIMONIAL_REJECTED: { title: 'Testimonial rejected', message: 'It did not meet the guidelines.', link: '/testimonials/43' },
  TESTIMONIAL_FLAGGED: {
    title: 'Testimonial flagged',
    message: 'A visitor flagged a testimonial for review.',
    link: '/moderation',
  },
  SECURITY_ALERT: { title: 'New sign-in', message: 'Someone signed in from Firefox on Linux.', link: '/settings/security' },
};

// Fires notifications for the signed-in user, as the host's business code would. The user comes
// from the same verified token the plugin's routes use.
app.post<{ Body: { type: string; count?: number } }>('/demo/notify', async (request, reply) => {
  const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
  const userId = await jwtVerify(token, publicKey, { issuer: ISSUER, algorithms: ['RS256'] }).then(
    ({ payload }) => payload.sub,
    () => undefined,
  );
  if (!userId) return reply.status(401).send({ message: 'sign in first' });
  const sample = SAMPLES[request.body.type];
  if (!sample) return reply.status(400).send({ message: 'unknown type' });
  const count = Math.min(Math.max(request.body.count ?? 1, 1), 100);
  const written = await app.notifications.notifyMany(
    Array.from({ length: count }, (_, i) => ({
      userId,
      type: request.body.type,
      ...sample,
      title: count > 1 ? `${sample.title} #${i + 1}` : sample.title,
    })),
  );
  return { written: written.length };
});

app.get('/demo/mailbox', async () =>
  app.notifications.orm.em
    .getConnection()
    .execute(`select "to", subject, html, text, headers, created_at from tresta_mailbox order by created_at desc limit 20`),
);

// The private redis-server goes with the demo, however the demo ends (signal, error, exit).
process.on('exit', () => redis.child?.kill());
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  await app.listen({ port: PORT, host: '127.0.0.1' });
} catch (error) {
  giveUp(`cannot listen on port ${PORT} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set PORT=…`);
}
console.log(`Tresta Notifications demo: ${APP_URL}`);
