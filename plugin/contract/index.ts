// The wire contract: the shapes that cross between the plugin and its clients (the widget, the
// headless client, any host's own UI). Types only, so the widget imports them without any server
// code; the routes' JSON schemas are checked against them (test/contract).
export type * from './error-body.js';
export type * from './notification.js';
export type * from './preferences.js';
export type * from './push.js';
export type * from './realtime.js';
