/**
 * Model files in the browser: a normal load of the bundled demo model asks only for files that exist (its
 * files.json lists them), so no response is a 404 and the console stays clean; a picked folder whose graph is
 * empty or cut short is refused with a message naming the file and what is wrong with it; and stored results
 * damaged in IndexedDB are left out and scored again, giving the numbers of a clean run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, ROOT, upload } from "./helpers";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const PAIRS = 12;

/** A TRL-style file of `n` short pairs without log-prob columns (so scoring fills them). */
function writePairs(n: number): string {
  const words = ["tea", "river", "Paris", "seven", "green", "quiet", "bread"];
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      prompt: `Question ${i}: what about ${words[i % 7]}?`,
      chosen: `The ${words[(i + 2) % 7]} is ${words[(i + 3) % 7]}.`,
      rejected: `No ${words[(i + 5) % 7]}.`,
    }),
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-model-files-")), "pairs.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** A copy of the demo LM folder whose onnx/model.onnx is replaced by `graph`. */
function demoFolderWith(graph: Buffer): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-bad-model-")), "bad-lm");
  fs.cpSync(DEMO_LM, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "onnx/model.onnx"), graph);
  return dir;
}

async function scoreAndWait(page: Page, total: number): Promise<string> {
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, { timeout: 90_000 });
  return (await page.getByTestId("scoring-stats").textContent()) ?? "";
}

async function exportedLogps(page: Page): Promise<number[][]> {
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  const { bytes } = await exportSelection(page, "JSONL", true);
  return bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>)
    .map((r) => [r.chosen_logps, r.rejected_logps]);
}

test.describe("model files", () => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "files.json")), "run `npm run prepare:assets` first");

  test("the demo model loads from its URL with no 404 and no console error: only listed files are asked for", async ({
    page,
    context,
  }) => {
    const requests: string[] = [];
    const failures: string[] = [];
    const consoleErrors: string[] = [];
    context.on("request", (r) => requests.push(new URL(r.url()).pathname));
    context.on("response", (r) => {
      if (r.status() >= 400) failures.push(`${r.url()} ${r.status()}`);
    });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await openApp(page);
    await upload(page, writePairs(PAIRS));
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByRole("button", { name: "Use demo model" }).click();
    await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
    await scoreAndWait(page, PAIRS);

    const modelFiles = requests.filter((p) => p.startsWith("/models/demo-lm/"));
    expect(modelFiles).toContain("/models/demo-lm/files.json");
    expect(modelFiles).toContain("/models/demo-lm/onnx/model.onnx");
    const listed = (JSON.parse(fs.readFileSync(path.join(DEMO_LM, "files.json"), "utf8")) as { path: string }[]).map(
      (e) => `/models/demo-lm/${e.path}`,
    );
    expect(modelFiles.filter((p) => p !== "/models/demo-lm/files.json" && !listed.includes(p))).toEqual([]);
    expect(failures).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  test.describe("a picked folder whose graph is damaged is named as such", () => {
    const graph = () => fs.readFileSync(path.join(DEMO_LM, "onnx/model.onnx"));
    for (const [name, make, message] of [
      ["empty", () => Buffer.alloc(0), /local folder: onnx\/model\.onnx is empty \(0 bytes\)/],
      [
        "truncated half way",
        () => graph().subarray(0, 300_000),
        /local folder: onnx\/model\.onnx is truncated: ends at byte 300000 inside field 7 \(graph\), which declares \d+ bytes from byte \d+ \(the file is 300000 bytes; a complete download is needed\)/,
      ],
      [
        "one byte short",
        () => graph().subarray(0, graph().length - 1),
        /onnx\/model\.onnx is truncated: ends at byte \d+ inside field 8 \(opset_import\)/,
      ],
    ] as const) {
      test(name, async ({ page }) => {
        await openApp(page);
        await upload(page, writePairs(4));
        await page.getByLabel("Backend").selectOption({ label: "WASM" });
        await page.getByLabel("Load model folder", { exact: true }).setInputFiles(demoFolderWith(make()));
        // Next.js keeps an empty route announcer with role="alert" on every page: the app's alert is the one with text.
        await expect(page.getByRole("alert").filter({ hasText: "onnx/model.onnx" })).toContainText(message);
        // The page stays usable: the demo model still loads after the refusal.
        await page.getByRole("button", { name: "Use demo model" }).click();
        await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
      });
    }
  });

  test("stored results damaged in IndexedDB are scored again and give the numbers of a clean run", async ({ page }) => {
    await openApp(page);
    await upload(page, writePairs(PAIRS));
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByRole("button", { name: "Use demo model" }).click();
    await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await scoreAndWait(page, PAIRS);
    const clean = await exportedLogps(page);

    // Damage three stored rows the way an older layout, a cut write and another tool would leave them.
    const damaged = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open("margin-atlas-scores");
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction("rows", "readwrite");
      const store = tx.objectStore("rows");
      const all = await new Promise<{ run: string; row: number; v: unknown }[]>((resolve) => {
        const req = store.getAll();
        req.onsuccess = () => resolve(req.result as { run: string; row: number; v: unknown }[]);
      });
      const byRow = (row: number) => all.find((r) => r.row === row)!;
      store.put({ ...byRow(1), v: [-1, -2] });
      store.put({ ...byRow(4), v: "garbage" });
      store.put({ ...byRow(7), v: { chosen: -3, rejected: -4 } });
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
      return all.length;
    });
    expect(damaged).toBe(PAIRS);

    const stats = await scoreAndWait(page, PAIRS);
    expect(stats).toContain(`(${PAIRS - 3} from stored results)`);
    await expect(page.getByTestId("store-notice")).toContainText("3 stored results were unusable");
    const again = await exportedLogps(page);
    again.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(v - clean[i][j]), `row ${i} value ${j}`).toBeLessThanOrEqual(1e-4)),
    );

    // The rewritten rows are sound: every stored record is a list of five numbers, and a third run scores nothing.
    const lengths = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open("margin-atlas-scores");
        req.onsuccess = () => resolve(req.result);
      });
      const all = await new Promise<{ v: unknown }[]>((resolve) => {
        const req = db.transaction("rows").objectStore("rows").getAll();
        req.onsuccess = () => resolve(req.result as { v: unknown }[]);
      });
      db.close();
      return all.map((r) => (Array.isArray(r.v) && r.v.every((x) => typeof x === "number") ? r.v.length : -1));
    });
    expect(lengths).toEqual(Array(PAIRS).fill(5));
    expect(await scoreAndWait(page, PAIRS)).toContain(`(${PAIRS} from stored results)`);
  });
});
