/**
 * One owner of the data (issue 10): a scoring run's results go from the scoring worker to the dataset worker over
 * their link, not through the page. Every message between the page and each worker is measured (bytes of the
 * buffers it carries, both ways) while a run scores; the counts still update.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { openApp, ROOT, upload } from "./helpers";
import { openDemo, settledFrame } from "./curation-helpers";
import { kill, workerNamed } from "./worker-helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
const PAIRS = 200;

/** Wraps `Worker` so each worker's traffic with the page is summed per direction: `window.__traffic[name]`. */
async function recordTraffic(page: Page): Promise<void> {
  await page.addInitScript(() => {
    type Traffic = { toWorker: number; fromWorker: number; messages: number };
    const w = window as unknown as { __traffic: Record<string, Traffic> };
    w.__traffic = {};
    const bytes = (value: unknown, seen: Set<unknown>): number => {
      if (value === null || typeof value !== "object" || seen.has(value)) return 0;
      seen.add(value);
      if (ArrayBuffer.isView(value)) return value.byteLength;
      if (value instanceof ArrayBuffer) return value.byteLength;
      if (value instanceof Blob) return 0;
      let n = 0;
      for (const v of Object.values(value as Record<string, unknown>)) n += bytes(v, seen);
      return n;
    };
    const Native = window.Worker;
    class Recorded extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        const name = options?.name ?? "unnamed";
        const t = (w.__traffic[name] ??= { toWorker: 0, fromWorker: 0, messages: 0 });
        this.addEventListener("message", (e) => {
          t.fromWorker += bytes((e as MessageEvent).data, new Set());
          t.messages++;
        });
        const post = this.postMessage.bind(this);
        this.postMessage = ((message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) => {
          t.toWorker += bytes(message, new Set());
          t.messages++;
          return post(message, transfer as Transferable[]);
        }) as Worker["postMessage"];
      }
    }
    window.Worker = Recorded as typeof Worker;
  });
}

const traffic = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __traffic: Record<string, { toWorker: number; fromWorker: number; messages: number }> })
        .__traffic,
  );

test("scores go from the scoring worker to the dataset worker directly, the scatter reads its columns there; the page carries stats only", async ({
  page,
}) => {
  // The demo rows without their log-prob columns: the implicit margin comes from the run.
  const rows = fs
    .readFileSync(DEMO, "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, PAIRS)
    .map((line) => {
      const { prompt, chosen, rejected, rm_margin } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ prompt, chosen, rejected, rm_margin });
    });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-owner-")), "rows.jsonl");
  fs.writeFileSync(file, rows.join("\n") + "\n");

  await recordTraffic(page);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByTestId("missing-counts")).toContainText(`missing implicit margin: ${PAIRS}`);
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByRole("button", { name: "Use demo model" }).click();
  await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");

  const before = await traffic(page);
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${PAIRS} / ${PAIRS} pairs`, {
    timeout: 120_000,
  });
  // Counts follow the run: every row now has an implicit margin, and so an M_AP score.
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
  await expect(page.getByTestId("selected-count")).toHaveText(`Selected ${Math.floor(0.4 * PAIRS)} of ${PAIRS}`);
  await expect(page.getByText("chosen_logps_norm").first()).toBeAttached();
  const after = await traffic(page);

  const scoring = {
    toWorker: after.scoring.toWorker - (before.scoring?.toWorker ?? 0),
    fromWorker: after.scoring.fromWorker - (before.scoring?.fromWorker ?? 0),
  };
  const dataset = {
    toWorker: after.dataset.toWorker - before.dataset.toWorker,
    fromWorker: after.dataset.fromWorker - before.dataset.fromWorker,
  };
  // The run's results (5 log-prob columns of 8 bytes per row, ≥ 8 kB here) never reach the page from the
  // scoring worker, and the page sends none to the dataset worker: only settings, ids and stats travel.
  expect(scoring.fromWorker).toBe(0);
  expect(scoring.toWorker).toBe(0);
  expect(dataset.toWorker).toBe(0);
  // What the page gets from the dataset worker is the selection it shows (masks, histograms, margins for views).
  expect(dataset.fromWorker).toBeGreaterThan(0);
  // The scatter redrew with the new margins, reading its columns from the dataset worker: the page sent it none,
  // from the file's first frame on.
  await expect(page.locator("figure.margin-scatter").first()).toHaveAttribute("data-points", String(PAIRS));
  expect(after.scatter.toWorker).toBe(0);

  // The dataset worker dies: the fresh one gets the run's results again from the scoring worker's stored results
  // (nothing is scored again), so the counts are as they were.
  const stats = await page.getByTestId("scoring-stats").textContent();
  await kill.close(await workerNamed(page, "dataset"));
  await expect(page.getByTestId("worker-recovery-dataset")).toContainText("Restarted; rows.jsonl reopened");
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
  await expect(page.getByTestId("selected-count")).toHaveText(`Selected ${Math.floor(0.4 * PAIRS)} of ${PAIRS}`);
  await expect(page.getByTestId("scoring-stats")).toHaveText(stats!);
  await expect(page.getByRole("alert").filter({ hasText: "scores could not be brought back" })).toHaveCount(0);
});

test("a w change recolours the scatter once, from a read made while the select is computed; the page's update after the reply draws nothing", async ({
  page,
}) => {
  // Every message between the page and its workers: [worker, direction, type, id, select seq, linkedAfter, frame].
  await page.addInitScript(() => {
    type Entry = [string, string, string, number, unknown, unknown, unknown];
    const w = window as unknown as { __log: Entry[] };
    w.__log = [];
    const Native = window.Worker;
    class Logged extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        const name = options?.name ?? "unnamed";
        this.addEventListener("message", (e) => {
          const d = (e as MessageEvent).data as { type?: string; id?: number; data?: { frame?: unknown } } | null;
          w.__log.push([name, "in", d?.type ?? "", d?.id ?? -1, null, null, d?.data?.frame ?? null]);
        });
        const post = this.postMessage.bind(this);
        this.postMessage = ((message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) => {
          const m = message as { type?: string; id?: number; args?: { seq?: unknown; linkedAfter?: unknown } } | null;
          w.__log.push([
            name,
            "out",
            m?.type ?? "",
            m?.id ?? -1,
            m?.args?.seq ?? null,
            m?.args?.linkedAfter ?? null,
            null,
          ]);
          return post(message, transfer as Transferable[]);
        }) as Worker["postMessage"];
      }
    }
    window.Worker = Logged as typeof Worker;
  });
  await openDemo(page);
  // Isolated (COOP / COEP): M_AP is computed into shared memory, which the scatter reads without a copy.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const figure = page.locator("figure.margin-scatter").first();
  await expect(figure).toHaveAttribute("data-frame", /^[1-9]/);
  // Settled: no frame for a while.
  const frame0 = await settledFrame(figure);
  const canvas = figure.locator("canvas");
  const before = await canvas.screenshot();
  const mark = await page.evaluate(() => (window as unknown as { __log: unknown[] }).__log.length);

  await page.getByLabel("Implicit weight (w)").fill("5");
  await expect(page.getByLabel("Implicit weight (w)")).toHaveValue("5");
  await expect(figure).toHaveAttribute("data-frame", String(frame0 + 1));
  // The page's own updates after the select's reply (new versions) come and go without drawing again.
  await page.waitForTimeout(1000);
  await expect(figure).toHaveAttribute("data-frame", String(frame0 + 1));
  expect((await canvas.screenshot()).equals(before)).toBe(false);

  const log = (await page.evaluate(() => (window as unknown as { __log: unknown[][] }).__log)).slice(mark) as [
    string,
    string,
    string,
    number,
    number | null,
    number | null,
    number | null,
  ][];
  const selects = log.filter(([name, dir, type]) => name === "dataset" && dir === "out" && type === "select");
  expect(selects).toHaveLength(1);
  const seq = selects[0][4];
  expect(typeof seq).toBe("number");
  const updates = log.filter(([name, dir, type]) => name === "scatter" && dir === "out" && type === "update");
  // The first update names the select; it was sent before the select's reply reached the page.
  expect(updates[0][5]).toBe(seq);
  const replyAt = log.findIndex(([name, dir, , id]) => name === "dataset" && dir === "in" && id === selects[0][3]);
  expect(log.indexOf(updates[0])).toBeLessThan(replyAt);
  // Its reply is the new frame; every later update answers that same frame.
  const frames = updates.map(
    ([, , , id]) => log.find(([name, dir, , rid]) => name === "scatter" && dir === "in" && rid === id)![6],
  );
  expect(frames[0]).toBe(frame0 + 1);
  expect(updates.length).toBeGreaterThan(1);
  expect(new Set(frames)).toEqual(new Set([frame0 + 1]));
});
