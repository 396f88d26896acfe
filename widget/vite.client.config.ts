import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { widgetBuildConfig } from './vite.config.js';

/**
 * `tresta-notifications/client`, a bundle of its own beside widget.js (its lazy chunks — the
 * real-time connection, Ably — in `client/`), so the widget's initial chunk never imports a shared one.
 */
export default defineConfig(
  widgetBuildConfig(
    fileURLToPath(new URL('./client/index.ts', import.meta.url)),
    fileURLToPath(new URL('../dist/widget', import.meta.url)),
    'client.js',
    'client',
  ),
);
