// The only parts of Ably's modular SDK the widget uses: a Realtime client over WebSocket, with fetch
// for token requests. Imported statically here, and this module dynamically by the widget, so the
// bundler tree-shakes the SDK down to these and puts them in a chunk of their own.
export { BaseRealtime, FetchRequest, WebSocketTransport } from 'ably/modular';
