import { http, HttpResponse } from 'msw';

export interface AblyPublish {
  host: string;
  channel: string;
  authorization: string | null;
  contentType: string | null;
  messages: Array<{ name: string; data: string; encoding?: string; id?: string }>;
}

/**
 * A stateful stand-in for Ably's REST publish endpoint (EXTERNAL-APIS.md, "Ably"): Basic auth with
 * the key, a JSON array of messages, 201 {channel, messageId}; a message id seen before is accepted
 * but not delivered again, as Ably does. Errors can be injected for the next N requests.
 */
export function createAblyFake(apiKey: string) {
  const requests: AblyPublish[] = [];
  const delivered = new Map<string, AblyPublish['messages'][number] & { channel: string }>();
  let failNext = 0;
  const expectedAuthorization = `Basic ${Buffer.from(apiKey).toString('base64')}`;

  const handler = http.post(/^https:\/\/[^/]*ably[^/]*\/channels\/([^/]+)\/messages$/, async ({ request }) => {
    const url = new URL(request.url);
    const channel = decodeURIComponent(url.pathname.split('/')[2]!);
    const body = (await request.json()) as AblyPublish['messages'] | AblyPublish['messages'][number];
    const messages = Array.isArray(body) ? body : [body];
    requests.push({
      host: url.host,
      channel,
      authorization: request.headers.get('authorization'),
      contentType: request.headers.get('content-type'),
      messages,
    });
    if (request.headers.get('authorization') !== expectedAuthorization) {
      return HttpResponse.json({ error: { code: 40101, message: 'Invalid credentials', statusCode: 401 } }, { status: 401 });
    }
    if (failNext > 0) {
      failNext--;
      return HttpResponse.json({ error: { code: 50000, message: 'Internal error', statusCode: 500 } }, { status: 500 });
    }
    for (const message of messages) {
      const key = message.id ?? `${channel}/${requests.length}`;
      if (!delivered.has(key)) delivered.set(key, { ...message, channel });
    }
    return HttpResponse.json({ channel, messageId: messages[0]?.id ?? 'generated' }, { status: 201 });
  });

  return {
    handler,
    requests,
    delivered,
    failNextRequests: (count: number) => {
      failNext = count;
    },
  };
}
