/**
 * How this project launches Chromium: Debian's browser (Playwright cannot download its own here) with the flags
 * that keep it off the closed network. Shared by playwright.config.ts, e2e tests that launch their own browser,
 * and the browser benchmarks.
 */

/** The Chromium binary (override with CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launch flags: no sandbox as root, and no background connections the closed network would refuse. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Playwright launch options for this machine. */
export const chromiumLaunch = { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };
