import { defineConfig } from "@playwright/test";
import { chromiumLaunch } from "./scripts/chromium";

const port = Number(process.env.E2E_PORT ?? 3107);

/** E2E in Debian's Chromium against the production build (`next start`). */
export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    acceptDownloads: true,
    launchOptions: chromiumLaunch,
  },
  webServer: {
    command: `npx next start -p ${port} -H 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    // The fake Hub of e2e/scoring.spec.ts listens on free ports of 127.0.0.1: allow them in the CSP's connect-src
    // (lib/security/csp.ts). e2e/security.spec.ts checks that another origin (localhost) stays blocked.
    env: { MARGIN_ATLAS_CONNECT_SRC: "http://127.0.0.1:*" },
    timeout: 120_000,
  },
});
