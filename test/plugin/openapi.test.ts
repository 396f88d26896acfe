import t from 'tap';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';

t.test('the OpenAPI document is valid and describes the plugin’s routes, and only those', async (t) => {
  const app = await buildSecondInstance(t, await buildTestApp(t));
  app.get('/host/private', async () => ({ secret: true }));
  const res = await app.inject({ url: '/api/notifications/openapi.json' });
  t.equal(res.statusCode, 200, 'public, no credentials needed');
  const document = res.json();

  const result = await new Validator().validate(document);
  t.same(result.errors ?? [], [], 'valid OpenAPI 3');
  t.ok(result.valid);

  const paths = Object.keys(document.paths).sort();
  t.same(paths, [
    '/admin/dlq',
    '/admin/dlq/stats',
    '/admin/dlq/{id}/requeue',
    '/admin/jobs/{name}/run',
    '/admin/metrics',
    '/api/ably/token',
    '/api/notifications',
    '/api/notifications/archive-read',
    '/api/notifications/mark-all-read',
    '/api/notifications/preferences',
    '/api/notifications/push-subscriptions',
    '/api/notifications/realtime',
    '/api/notifications/unread-count',
    '/api/notifications/unsubscribe',
    '/api/notifications/webhooks/resend',
    '/api/notifications/{id}',
    '/health/live',
    '/health/ready',
  ]);
  t.ok(document.components.schemas.TrestaNotification, 'shared schemas keep their names');
  t.ok(document.paths['/api/notifications'].get, 'the list, named as in CONTRACT.md (no trailing slash)');
  t.match(document.paths['/api/notifications/{id}'].patch.requestBody.content['application/json'].schema, {
    additionalProperties: false,
    minProperties: 1,
    properties: { isRead: { type: 'boolean' }, isArchived: { type: 'boolean' } },
  });
  const listParameters = document.paths['/api/notifications'].get.parameters.map((p: { name: string }) => p.name).sort();
  t.same(listParameters, ['category', 'cursor', 'group', 'limit', 'q', 'status', 'type', 'unread']);
  t.match(document.paths['/api/notifications'].get.parameters.find((p: { name: string }) => p.name === 'status').schema, {
    enum: ['all', 'unread', 'read', 'archived'],
  });
  t.same(
    document.paths['/api/notifications/unread-count'].get.parameters.map((p: { name: string }) => p.name),
    ['category'],
  );
  t.match(document.components.schemas.TrestaNotification.properties, {
    isArchived: { type: 'boolean' },
    severity: { enum: ['info', 'success', 'warning', 'critical'] },
    actions: { type: 'array', maxItems: 2 },
    groupCount: { type: 'integer' },
  });
  t.match(
    document.components.schemas.TrestaPreferences.properties.types.additionalProperties,
    { required: ['inApp', 'email', 'required', 'category'], properties: { category: { type: 'string', nullable: true } } },
    "each type's preferences carry its category",
  );
});
