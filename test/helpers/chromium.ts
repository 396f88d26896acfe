import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, never a downloaded browser; flags that keep it quiet and offline (without the
// background-networking ones it keeps trying this machine's closed network).
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium for the browser tests, the widget bench and the demo screenshots. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
