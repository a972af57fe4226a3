/**
 * Test-only bridge to python3 + numpy, the reference the metrics must match bit for bit. Node-only (child_process);
 * imported by `*.test.ts` files alone, never by app code.
 */
import { spawnSync } from "node:child_process";

/** Why numpy can't be used here, or null when `python3 -c "import numpy"` works. */
export function numpyUnavailableReason(): string | null {
  const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  if (probe.error) return `python3 not runnable (${probe.error.message})`;
  if (probe.status !== 0) return `python3 has no numpy (${probe.stderr.trim().split("\n").pop() ?? ""})`;
  return null;
}

/**
 * Runs `script` under python3 with `input` as JSON on stdin and parses its JSON stdout. Doubles survive both ways
 * exactly (JSON.stringify and Python's repr are shortest round-trip; both parsers round correctly).
 */
export function runNumpy<T>(script: string, input: unknown): T {
  const res = spawnSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`python3 failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
