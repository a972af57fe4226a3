/**
 * The production build served for the browser benchmarks: `next start` from the build in `dist` on 127.0.0.1:`port`,
 * stopped by `stop()` or when the process exits; resolves once it answers.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** Starts the app and waits (up to a minute) for its first page; throws when it does not come up. */
export async function startApp(port: number, dist: string): Promise<{ url: string; stop(): void }> {
  const server = spawn("npx", ["next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, NEXT_DIST_DIR: dist },
    stdio: "ignore",
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
  };
  process.on("exit", stop);
  const url = `http://127.0.0.1:${port}/`;
  for (let t = 0; ; t++) {
    try {
      if ((await fetch(url)).ok) return { url, stop };
    } catch {
      /* not up yet */
    }
    if (t > 120) throw new Error("next start did not come up");
    await new Promise((r) => setTimeout(r, 500));
  }
}
