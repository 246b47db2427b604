/**
 * Debian's Chromium driven by playwright-core (`npx playwright install` cannot download here).
 * One browser per test file; each test makes its own context, so storage never leaks between them.
 */
import { type Browser, chromium } from 'playwright-core';

/** Flags that keep Chromium off the network it cannot reach here, and working as root in CI. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A phone-sized viewport (an iPhone 12–15), for tests of what a visitor on a phone sees. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
/** A laptop-sized viewport. */
export const DESKTOP = { viewport: { width: 1280, height: 800 } } as const;
