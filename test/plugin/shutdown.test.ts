import t from 'tap';
import { CLOSE_RECONNECT } from '../../plugin/realtime/websocket-hub.js';
import { createResendFake, RESEND_KEY } from '../fakes/resend.js';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const SHUTDOWN_TIMEOUT_MS = 1_000;
// Far below the Resend adapter's own 30 s request timeout, the bound app.close() had before.
const CLOSE_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 10_000;

// A provider that takes the email and never answers, until the test lets it.
let release: () => void = () => {};
const answerHeld = new Promise<void>((resolve) => {
  release = resolve;
});
let holding = true;
const resend = createResendFake({}, { beforeAnswer: () => (holding ? answerHeld : Promise.resolve()) });
const { baseUrl, server } = await resend.listen();
t.teardown(() => {
  release();
  server.close();
});

await awayFromUtcMidnight();

t.test(
  'app.close() returns within shutdownTimeoutMs while an email hangs; after a restart it is sent exactly once',
  async (t) => {
    const options = {
      workers: true,
      appUrl: APP_ORIGIN,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      // A short lock, so the restarted instance takes the orphaned job over soon.
      jobs: { lockDurationMs: 2_000 },
      email: {
        resendApiKey: RESEND_KEY,
        enabled: true,
        baseUrl,
        resolveRecipient: async (userId: string) => ({ email: `${userId}@example.test` }),
      },
    };
    const first = await buildTestApp(t, options);
    const address = await first.app.listen({ port: 0, host: '127.0.0.1' });
    const client = await connectAuthenticated(
      `${address.replace('http', 'ws')}/api/notifications/ws`,
      await first.tokens.sign('ada', { expiresIn: '1h' }),
      APP_ORIGIN,
    );
    const sent = await first.app.notifications.notify({
      userId: 'ada',
      type: 'SECURITY_ALERT',
      title: 'New sign-in',
      message: 'm',
    });
    const key = `notification-email/${sent.id}`;
    await until(
      () => resend.calls.filter((call) => call.idempotencyKey === key).length,
      (count) => count === 1,
      'the email at the provider',
    );

    const started = Date.now();
    await first.app.close();
    const took = Date.now() - started;
    t.comment(`app.close() took ${took} ms with shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS}`);
    t.ok(took < CLOSE_BOUND_MS, 'app.close() did not wait for the hung email');
    t.equal((await client.closed).code, CLOSE_RECONNECT, 'the WebSocket client is told to reconnect (to another instance)');

    // The process is gone: its connection to the provider drops; the provider finishes the request
    // it had taken, and keeps the answer under the idempotency key.
    server.closeAllConnections();
    holding = false;
    release();

    const second = await buildSecondInstance(t, first, options);
    await second.ready();
    await until(
      async () => {
        const [row] = await second.notifications.orm.em
          .getConnection()
          .execute<Array<{ status: string }>>('select status from tresta_email_deliveries where notification_id = ?', [sent.id]);
        return row?.status;
      },
      (status) => status === 'sent',
      'the email recorded sent after the restart',
    );
    t.equal(resend.sent.filter((email) => email.idempotencyKey === key).length, 1, 'the provider sent it exactly once');
    t.ok(
      resend.calls.filter((call) => call.idempotencyKey === key).length >= 2,
      'the restarted instance asked again, with the same key',
    );
  },
);
