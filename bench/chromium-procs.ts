/**
 * Chromium's processes as /proc shows them (Linux), for the browser benchmarks' memory figures: the browser process a
 * benchmark launched, its children by `--type` (renderer, gpu-process, utility, …) and their resident sets.
 */
import fs from "node:fs";

/** Resident set of a process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Parent pid from a /proc/PID/stat line (the command name in parentheses may hold spaces). */
function parentOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Chromium's processes under `browserPid` (the browser itself included), by `--type` ("browser" for the browser). */
export function chromiumProcesses(browserPid: number): { pid: number; type: string }[] {
  const parent = new Map<number, number>();
  const types = new Map<number, string>();
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      parent.set(pid, parentOf(fs.readFileSync(`/proc/${pid}/stat`, "utf8")));
      types.set(pid, /--type=([\w-]+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"))?.[1] ?? "browser");
    } catch {
      /* exited meanwhile */
    }
  }
  const isUnder = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 10; p = parent.get(p) ?? 0, hops++) if (p === browserPid) return true;
    return false;
  };
  return [...types].filter(([pid]) => isUnder(pid)).map(([pid, type]) => ({ pid, type }));
}

/** The newest Chromium process whose parent is this process (the one just launched). */
export function newestChromium(): number {
  let best = 0;
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const ppid = parentOf(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (ppid === process.pid && /chrom/.test(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")) && pid > best)
        best = pid;
    } catch {
      /* exited meanwhile */
    }
  }
  if (!best) throw new Error("could not find the launched Chromium process");
  return best;
}
