import { describe, expect, it } from "vitest";
import {
  causeText,
  classifyCrash,
  createRecoveryLog,
  describeCrash,
  isOutOfMemory,
  suggestionFor,
  type CrashReport,
} from "./recovery";

describe("crash classification", () => {
  it.each([
    ["Uncaught RangeError: Array buffer allocation failed", "out-of-memory"],
    [new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded"), "out-of-memory"],
    [new RangeError("WebAssembly.Memory(): could not allocate memory"), "out-of-memory"],
    ["RuntimeError: Aborted(OOM)", "out-of-memory"],
    ["Cannot enlarge memory arrays to size 4294967296 bytes (OOM)", "out-of-memory"],
    ["failed to allocate a buffer of size 536870912", "out-of-memory"],
    ["Uncaught Error: boom", "worker-crashed"],
    [new TypeError("x is undefined"), "worker-crashed"],
    ["zoom level", "worker-crashed"],
  ] as const)("%s → %s", (cause, code) => {
    expect(classifyCrash(cause)).toBe(code);
    expect(isOutOfMemory(cause)).toBe(code === "out-of-memory");
  });

  it("keeps a fallback code for what is not an allocation failure", () => {
    expect(classifyCrash("stopped", "worker-closed")).toBe("worker-closed");
  });

  it.each([
    [new RangeError("Array buffer allocation failed"), "RangeError: Array buffer allocation failed"],
    [new Error("boom"), "boom"],
    ["Uncaught Error: boom", "Uncaught Error: boom"],
    [{ name: "QuotaExceededError", message: "" }, "QuotaExceededError"],
    [42, "42"],
  ])("causeText(%s) = %s", (err, text) => {
    expect(causeText(err)).toBe(text);
  });
});

describe("crash reports", () => {
  it("names the worker, what happened, the cause and a suggestion by worker and code", () => {
    const report = {
      worker: "scoring",
      code: "out-of-memory" as const,
      cause: "RangeError: Array buffer allocation failed",
      suggestion: suggestionFor("scoring", "out-of-memory"),
    };
    expect(describeCrash(report)).toBe(
      "The scoring worker ran out of memory (RangeError: Array buffer allocation failed). Try: use a quantised " +
        "model file (Model file: model_q4.onnx or model_int8.onnx), a smaller max length, or the WASM backend with " +
        "fewer threads; close other tabs.",
    );
    expect(suggestionFor("dataset", "out-of-memory")).toContain("smaller file");
    expect(suggestionFor("scatter", "worker-closed")).toBe("the scatter is drawn again");
    expect(suggestionFor("other", "worker-crashed")).toBe("try again; if it happens again, reload the page");
  });

  it("keeps the latest crash of each worker, newest first, with its recovery", () => {
    const log = createRecoveryLog();
    let heard = 0;
    const stop = log.subscribe(() => heard++);
    const report = (worker: string, atMs: number): CrashReport => ({
      worker,
      code: "worker-crashed",
      cause: "boom",
      suggestion: "again",
      atMs,
      duringRestore: false,
    });
    log.crashed(report("scoring", 1));
    log.crashed(report("dataset", 2));
    log.update("scoring", { state: "restored", outcome: "restarted; 80 scores kept" });
    log.update("scatter", { state: "failed" });
    expect(log.entries().map((e) => [e.report.worker, e.state, e.outcome])).toEqual([
      ["dataset", "restarting", null],
      ["scoring", "restored", "restarted; 80 scores kept"],
    ]);
    log.crashed(report("scoring", 3));
    expect(log.entries().map((e) => [e.report.worker, e.report.atMs, e.state])).toEqual([
      ["scoring", 3, "restarting"],
      ["dataset", 2, "restarting"],
    ]);
    log.dismiss("dataset");
    expect(log.entries()).toHaveLength(1);
    expect(heard).toBe(5);
    stop();
    log.dismiss("scoring");
    expect(heard).toBe(5);
  });
});
