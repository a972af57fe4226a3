/** Finding the page's workers by name and stopping them from inside (crash and recovery tests). */
import { expect, type Page, type Worker } from "@playwright/test";

/** The page's worker started with `name` (`new Worker(url, { name })`); waits for it to exist. */
export async function workerNamed(page: Page, name: string): Promise<Worker> {
  let found: Worker | null = null;
  await expect
    .poll(async () => {
      for (const w of page.workers()) {
        if ((await w.evaluate(() => self.name).catch(() => null)) === name) {
          found = w;
          return true;
        }
      }
      return false;
    })
    .toBe(true);
  return found!;
}

/** Ways to kill a worker from inside it. */
export const kill = {
  /** `self.close()`: the worker stops without any event reaching the page. */
  close: async (w: Worker) => {
    // Not awaited: the worker may be gone before it could answer the evaluation.
    void w.evaluate(() => self.close()).catch(() => undefined);
  },
  /** An uncaught error, outside any call. */
  throw: (w: Worker) =>
    w.evaluate(() => {
      setTimeout(() => {
        throw new Error("boom");
      });
    }),
  /** Grows a WebAssembly memory until the engine refuses (as onnxruntime-web's heap does with a model too big). */
  exhaustMemory: (w: Worker) =>
    w.evaluate(() => {
      setTimeout(() => {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
        for (;;) memory.grow(4096);
      });
    }),
};
