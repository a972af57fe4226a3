/**
 * The curator's view state and the scatter's own tools, as a user drives them: a scoring run keeps the zoom, a
 * half-edited column mapping and the loaded row texts; the rectangle tool (button and Shift-drag); the linked
 * "Three views" layout (shared axes zoom together, hover rings the row everywhere, a lasso in any view); the axis
 * choice. Each selection is checked against the rows the independent oracle (e2e/curation-oracle.ts) computes from
 * the downloaded recipe.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { exportAllRows, jsonlLines, openApp, ROOT, upload } from "./helpers";
import { downloadRecipe, expectExportMatchesClauses, openDemo } from "./curation-helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
const LINES = jsonlLines(DEMO);
const DEMO_LM = path.join(ROOT, "public/models/demo-lm");

/** Axis ranges of a scatter in data units. */
interface Viewport {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** What the scatter's SVG axes say: plot size, and each tick's label with its raw `transform`. */
interface Ticks {
  width: number;
  height: number;
  x: { label: string; transform: string }[];
  y: { label: string; transform: string }[];
}

/** The ticks of the scatter figure `figure` (x ticks carry their label at y=16, y ticks at x=-8). */
function readTicks(figure: Locator): Promise<Ticks> {
  return figure.evaluate((fig) => {
    const frame = fig.querySelector("svg rect");
    const ticks = (selector: string) =>
      [...fig.querySelectorAll(selector)].map((t) => ({
        label: t.textContent ?? "",
        transform: t.parentElement?.getAttribute("transform") ?? "",
      }));
    return {
      width: Number(frame?.getAttribute("width")),
      height: Number(frame?.getAttribute("height")),
      x: ticks('svg g[transform] > text[y="16"]'),
      y: ticks('svg g[transform] > text[x="-8"]'),
    };
  });
}

/** The x-axis ticks of `figure` as one comparable string (labels and exact pixel positions). */
async function xTicksKey(figure: Locator): Promise<string> {
  return (await readTicks(figure)).x.map((t) => `${t.label}@${t.transform}`).join("|");
}

/**
 * The viewport the axes were drawn for, recovered from the ticks: a tick at value v sits at
 * (v − xMin)·width/(xMax − xMin) across and (yMax − v)·height/(yMax − yMin) down.
 */
function viewportOf(t: Ticks): Viewport {
  const coord = (transform: string, i: 0 | 1) => {
    const m = /translate\(([^,]+),([^)]+)\)/.exec(transform);
    if (!m) throw new Error(`no translate in "${transform}"`);
    return Number(m[i + 1]);
  };
  // Labels are the tick values rounded to their step's decimals: exact enough for 1-2-5 ticks.
  const value = (label: string) => Number(label.replace("−", "-"));
  expect(t.x.length, "x ticks").toBeGreaterThanOrEqual(2);
  expect(t.y.length, "y ticks").toBeGreaterThanOrEqual(2);
  const [x0, x1] = [t.x[0], t.x[t.x.length - 1]];
  const sx = (coord(x1.transform, 0) - coord(x0.transform, 0)) / (value(x1.label) - value(x0.label));
  const xMin = value(x0.label) - coord(x0.transform, 0) / sx;
  const [y0, y1] = [t.y[0], t.y[t.y.length - 1]];
  const sy = (coord(y0.transform, 1) - coord(y1.transform, 1)) / (value(y1.label) - value(y0.label));
  const yMax = value(y0.label) + coord(y0.transform, 1) / sy;
  return { xMin, xMax: xMin + t.width / sx, yMin: yMax - t.height / sy, yMax };
}

/** Fit of the finite (x, y) points padded by 5 % per side, a zero-width range widened (what "Reset view" shows). */
function expectedFit(xs: number[], ys: number[]): Viewport {
  const ok = xs.map((_, i) => i).filter((i) => Number.isFinite(xs[i]) && Number.isFinite(ys[i]));
  const range = (vs: number[]): [number, number] => {
    if (vs.length === 0) return [-1, 1];
    const [lo, hi] = [Math.min(...vs), Math.max(...vs)];
    if (hi > lo) return [lo, hi];
    const half = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - half, hi + half];
  };
  const [xa, xb] = range(ok.map((i) => xs[i]));
  const [ya, yb] = range(ok.map((i) => ys[i]));
  const [px, py] = [(xb - xa) * 0.05, (yb - ya) * 0.05];
  return { xMin: xa - px, xMax: xb + px, yMin: ya - py, yMax: yb + py };
}

function expectViewportClose(got: Viewport, want: Viewport) {
  const tol = 1e-6 * Math.max(want.xMax - want.xMin, want.yMax - want.yMin);
  for (const k of ["xMin", "xMax", "yMin", "yMax"] as const)
    expect(Math.abs(got[k] - want[k]), `${k}: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(tol);
}

/** Moves the pointer over `area` until a point's tooltip shows; returns where. */
async function hoverAPoint(page: Page, area: Locator, fy = 0.5): Promise<{ x: number; y: number }> {
  const box = (await area.boundingBox())!;
  const tooltip = page.getByRole("tooltip");
  for (let fx = 0.15; fx <= 0.85; fx += 0.02) {
    for (const dy of [0, -0.1, 0.1]) {
      const x = box.x + box.width * fx;
      const y = box.y + box.height * (fy + dy);
      await page.mouse.move(x, y);
      if (await tooltip.isVisible({ timeout: 250 }).catch(() => false)) return { x, y };
      await page.waitForTimeout(60);
      if (await tooltip.isVisible()) return { x, y };
    }
  }
  throw new Error("no point under the pointer anywhere along the sweep");
}

/** Drags from fraction (fx0, fy0) to (fx1, fy1) of `area`'s box in small steps. */
async function dragIn(page: Page, area: Locator, from: [number, number], to: [number, number]) {
  const b = (await area.boundingBox())!;
  await page.mouse.move(b.x + b.width * from[0], b.y + b.height * from[1]);
  await page.mouse.down();
  for (let t = 0.1; t <= 1.0001; t += 0.1)
    await page.mouse.move(
      b.x + b.width * (from[0] + (to[0] - from[0]) * t),
      b.y + b.height * (from[1] + (to[1] - from[1]) * t),
    );
  await page.mouse.up();
}

/** The rect gate of the recipe must be the dragged box in data units (to a pixel). */
function expectRectMatchesDrag(
  gate: { x0: number; x1: number; y0: number; y1: number },
  vp: Viewport,
  from: [number, number],
  to: [number, number],
  t: Ticks,
) {
  const xAt = (f: number) => vp.xMin + f * (vp.xMax - vp.xMin);
  const yAt = (f: number) => vp.yMax - f * (vp.yMax - vp.yMin);
  const pxX = (vp.xMax - vp.xMin) / t.width;
  const pxY = (vp.yMax - vp.yMin) / t.height;
  expect(Math.abs(gate.x0 - xAt(Math.min(from[0], to[0])))).toBeLessThanOrEqual(1.5 * pxX);
  expect(Math.abs(gate.x1 - xAt(Math.max(from[0], to[0])))).toBeLessThanOrEqual(1.5 * pxX);
  expect(Math.abs(gate.y0 - yAt(Math.max(from[1], to[1])))).toBeLessThanOrEqual(1.5 * pxY);
  expect(Math.abs(gate.y1 - yAt(Math.min(from[1], to[1])))).toBeLessThanOrEqual(1.5 * pxY);
}

const WORDS = ["tea", "river", "Paris", "seven", "green", "quiet", "bread", "window", "storm", "violin", "sugar"];

/** A TRL-style file with an explicit margin and a file implicit margin (`logp_margin_norm`) that scoring replaces. */
function writePairs(n: number): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
    return JSON.stringify({
      prompt: `Question ${i}: what about ${w(0)} and ${w(1)}?`,
      chosen: `The ${w(2)} is ${w(3)}, like the ${w(4)} by the ${w(5)}.`.repeat(1 + (i % 3)),
      rejected: `No ${w(6)}.`,
      rm_margin: ((i * 37) % 11) / 5 - 1,
      logp_margin_norm: 10 + ((i * 13) % 17) / 4,
    });
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-state-e2e-")), "state.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** What the page-side watchers saw during the scoring run. */
interface Watch {
  posted: { type: string; rows?: number[] }[];
  watching: boolean;
  ticksChanged: string[];
  placeholders: string[];
  mappingLost: string[];
}

/**
 * Opens the app on a fresh synthetic file of `total` pairs, set to score it with the demo model on the WASM backend
 * and no stored scores. Every message a page worker is sent is logged by type in `window.posted` (the row-text fetches
 * are `rows` requests to the dataset worker, with their rows).
 */
async function openForScoring(page: Page, total: number) {
  const file = writePairs(total);
  await page.addInitScript(() => {
    const w = window as unknown as Watch;
    w.posted = [];
    const post = Worker.prototype.postMessage as (this: Worker, ...args: unknown[]) => void;
    Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
      const msg = args[0] as { type?: unknown; args?: { rows?: number[] } } | null;
      if (msg && typeof msg.type === "string")
        w.posted.push({ type: msg.type, rows: msg.type === "rows" ? [...(msg.args?.rows ?? [])] : undefined });
      post.apply(this, args);
    } as typeof Worker.prototype.postMessage;
  });
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(`Selected ${(total * 0.4) | 0} of ${total}`)).toBeVisible();
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByRole("button", { name: "Use demo model" }).click();
  await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
  await page.getByRole("button", { name: "Clear stored scores" }).click();
}

/** The lowest `scrollTop` of `.pairs-scroll` seen while sampling (every animation frame and every scroll event). */
interface ScrollWatch {
  posted: Watch["posted"];
  sampling: boolean;
  minScrollTop: number;
  samples: number;
}

test.describe("view state across a scoring run", () => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");

  test("a scoring run keeps the zoom, a half-edited mapping and the loaded row texts; Reset view re-fits", async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const total = 240;
    await openForScoring(page, total);

    // 1. Zoom the scatter with the wheel.
    const figure = page.locator("figure.margin-scatter");
    const area = page.getByLabel(/^Scatter plot area/);
    await area.scrollIntoViewIfNeeded();
    await expect(figure).toHaveAttribute("data-points", /^[1-9]/);
    const fitted = await readTicks(figure);
    const b = (await area.boundingBox())!;
    await page.mouse.move(b.x + b.width * 0.4, b.y + b.height * 0.6);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => JSON.stringify(await readTicks(figure))).not.toBe(JSON.stringify(fitted));
    await page.mouse.move(0, 0);
    const zoomed = await readTicks(figure);
    const zoomedVp = viewportOf(zoomed);
    expect(zoomedVp.xMax - zoomedVp.xMin).toBeLessThan(viewportOf(fitted).xMax - viewportOf(fitted).xMin);

    // 2. Start editing the column mapping, without applying it.
    const explicitField = page.getByLabel("Explicit margin field", { exact: true });
    await expect(explicitField).toHaveValue("rm_margin");
    await explicitField.selectOption("logp_margin_norm");
    await expect(explicitField).toHaveValue("logp_margin_norm");

    // 3. Scroll the pairs table so rows deep in the file load their texts.
    const table = page.getByRole("table", { name: "Pairs" });
    await page.locator(".pairs-scroll").evaluate((el) => (el.scrollTop = 120 * 30));
    const row = (i: number) =>
      table.getByRole("row").filter({ has: page.getByRole("cell", { name: String(i), exact: true }) });
    await expect(row(125).locator("td.col-prompt")).toHaveText(/^Question 125: /);
    const texts = table.locator("tbody td.col-prompt, tbody td.col-chosen, tbody td.col-rejected");
    await expect.poll(async () => (await texts.allTextContents()).filter((t) => t === "…").length).toBe(0);
    const visibleRows = (await table.locator("tbody tr[aria-rowindex] td.col-row").allTextContents()).map(Number);
    expect(visibleRows).toContain(125);
    const implicitBefore = await row(125).locator("td.col-implicit").textContent();
    expect(implicitBefore).toBe((10 + ((125 * 13) % 17) / 4).toPrecision(4));

    // Watch the page through the run: any change of the scatter's axes, any "…" text placeholder, the mapping draft.
    await page.evaluate(() => {
      const w = window as unknown as Watch;
      const fig = document.querySelector("figure.margin-scatter")!;
      const axes = () =>
        [...fig.querySelectorAll("svg g[transform] > text")]
          .map((t) => `${t.textContent}@${t.parentElement?.getAttribute("transform")}`)
          .join("|");
      const axes0 = axes();
      const select = document.querySelector<HTMLSelectElement>('select[aria-label="Explicit margin field"]')!;
      Object.assign(w, { watching: true, ticksChanged: [], placeholders: [], mappingLost: [], posted: [] });
      // Each kind of slip is kept once (the first few distinct values), so a failure reads short.
      const note = (list: string[], what: string) => {
        if (list.length < 5 && list[list.length - 1] !== what) list.push(what);
      };
      const check = () => {
        if (!w.watching) return;
        const now = axes();
        if (now !== axes0) note(w.ticksChanged, now);
        for (const td of document.querySelectorAll(
          'table[aria-label="Pairs"] tbody td.col-prompt, table[aria-label="Pairs"] tbody td.col-chosen, table[aria-label="Pairs"] tbody td.col-rejected',
        ))
          if (td.textContent === "…") note(w.placeholders, `row ${td.parentElement?.querySelector("td")?.textContent}`);
        if (!select.isConnected || select.value !== "logp_margin_norm")
          note(w.mappingLost, select.isConnected ? select.value : "(select unmounted)");
      };
      new MutationObserver(check).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
      // A controlled <select> reset by React changes a property, not the DOM: sample it too.
      const timer = setInterval(() => (w.watching ? check() : clearInterval(timer)), 20);
    });

    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText(/running: \d+ \/ 240 pairs/);
    await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, {
      timeout: 120_000,
    });
    // The margins did change: row 125's implicit margin is now the model's, not the file's.
    await expect
      .poll(async () => row(125).locator("td.col-implicit").textContent())
      .toMatch(/^-?\d+(\.\d+)?(e[-+]\d+)?$/);
    await expect(row(125).locator("td.col-implicit")).not.toHaveText(implicitBefore!);
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
    // Let the last streamed update land before reading the watchers.
    await page.waitForTimeout(1500);
    const seen = await page.evaluate(() => {
      const w = window as unknown as Watch;
      w.watching = false;
      return { ...w };
    });
    test.info().annotations.push({
      type: "scoring run",
      description: `${seen.posted.filter((m) => m.type === "applyScores").length} applyScores updates, ${
        seen.posted.filter((m) => m.type === "rows").length
      } rows requests`,
    });
    // The run streamed its margins into the workbench (at least one applyScores), yet nothing the curator set moved.
    expect(seen.posted.some((m) => m.type === "applyScores")).toBe(true);
    const refetched = seen.posted
      .filter((m) => m.type === "rows")
      .flatMap((m) => m.rows ?? [])
      .filter((r) => visibleRows.includes(r));
    // One comparison, so a failure lists every slip at once.
    expect(
      {
        "scatter axes re-drawn (re-fit)": seen.ticksChanged,
        'row texts flashed "…"': seen.placeholders,
        "half-edited mapping reset": seen.mappingLost,
        "visible rows fetched again": [...new Set(refetched)],
      },
      "view state the scoring run disturbed",
    ).toEqual({
      "scatter axes re-drawn (re-fit)": [],
      'row texts flashed "…"': [],
      "half-edited mapping reset": [],
      "visible rows fetched again": [],
    });

    expect(await readTicks(figure)).toEqual(zoomed);
    await expect(explicitField).toHaveValue("logp_margin_norm");
    await expect(row(125).locator("td.col-prompt")).toHaveText(/^Question 125: /);
    expect(await page.locator(".pairs-scroll").evaluate((el) => el.scrollTop)).toBe(120 * 30);

    // "Reset view" fits the new data: explicit from the file, implicit from the model (read from the export).
    await page.getByRole("button", { name: "Reset view" }).click();
    await expect.poll(async () => JSON.stringify(await readTicks(figure))).not.toBe(JSON.stringify(zoomed));
    const refit = viewportOf(await readTicks(figure));
    const rows = await exportAllRows(page, total);
    expectViewportClose(
      refit,
      expectedFit(
        rows.map((r) => r.explicit_margin),
        rows.map((r) => r.implicit_margin),
      ),
    );
    // The y range is the model's margins now, far from the file's 10..14.
    expect(refit.yMax).toBeLessThan(10);
  });

  test("a scoring run does not scroll the table back to the top when sorted by M_AP", async ({ page }) => {
    test.setTimeout(180_000);
    const total = 240;
    await openForScoring(page, total);

    // Sort by M_AP (best first), then scroll deep into the table once the sorted order is in.
    const table = page.getByRole("table", { name: "Pairs" });
    const scroller = page.locator(".pairs-scroll");
    const rankHeader = table.locator("th.col-rank");
    await rankHeader.getByRole("button", { name: /^M_AP rank/ }).click();
    await expect(rankHeader).toHaveAttribute("aria-sort", "descending");
    // Row 0 (the lowest explicit margin) leads the file order, never the M_AP order.
    await expect(table.locator('tbody tr[aria-rowindex="2"] td.col-row')).not.toHaveText("0");
    await scroller.evaluate((el) => (el.scrollTop = 150 * 30));
    await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(150 * 30);
    // Row positions 150..155 (aria-rowindex counts the header as 1, from 1).
    const atPositions = () =>
      Promise.all(
        [150, 151, 152, 153, 154, 155].map((i) =>
          table.locator(`tbody tr[aria-rowindex="${i + 2}"] td.col-row`).textContent(),
        ),
      );
    await expect(table.locator('tbody tr[aria-rowindex="152"]')).toBeVisible();
    const rowsBefore = await atPositions();

    // Sample the table's scroll through the run: every animation frame, and every scroll event.
    await page.evaluate(() => {
      const w = window as unknown as ScrollWatch;
      const el = document.querySelector<HTMLElement>(".pairs-scroll")!;
      Object.assign(w, { sampling: true, minScrollTop: el.scrollTop, samples: 0, posted: [] });
      const sample = () => {
        if (!w.sampling) return;
        w.minScrollTop = Math.min(w.minScrollTop, el.scrollTop);
        w.samples++;
      };
      el.addEventListener("scroll", sample);
      const frame = () => {
        sample();
        if (w.sampling) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });

    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText(/running: \d+ \/ 240 pairs/);
    await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, {
      timeout: 120_000,
    });
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
    // Let the last streamed update (and the re-sort it triggers) land before reading the sampler.
    await page.waitForTimeout(1500);
    const seen = await page.evaluate(() => {
      const w = window as unknown as ScrollWatch;
      w.sampling = false;
      return { minScrollTop: w.minScrollTop, samples: w.samples, posted: w.posted };
    });
    test.info().annotations.push({
      type: "scoring run",
      description: `${seen.samples} scroll samples, min scrollTop ${seen.minScrollTop}; ${
        seen.posted.filter((m) => m.type === "applyScores").length
      } applyScores updates, ${seen.posted.filter((m) => m.type === "order").length} order requests`,
    });
    // The run streamed its margins in and the table was re-sorted under the reader, who kept their place.
    expect(seen.posted.some((m) => m.type === "applyScores")).toBe(true);
    expect(seen.posted.some((m) => m.type === "order")).toBe(true);
    expect(seen.samples).toBeGreaterThan(10);
    expect(seen.minScrollTop, "lowest scrollTop of the pairs table during the run").toBeGreaterThanOrEqual(140 * 30);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThanOrEqual(140 * 30);
    await expect(rankHeader).toHaveAttribute("aria-sort", "descending");
    // The new margins did re-order the rows on screen (else this test would prove nothing).
    await expect.poll(atPositions).not.toEqual(rowsBefore);

    // A re-sort by the user does go back to the top.
    await rankHeader.getByRole("button", { name: /^M_AP rank/ }).click();
    await expect(rankHeader).toHaveAttribute("aria-sort", "ascending");
    await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(0);
    await expect(table.locator('tbody tr[aria-rowindex="2"]')).toBeVisible();
  });
});

test("rectangle tool, and Shift-drag with the Pan tool: the box becomes a chip; exports equal the oracle's rows", async ({
  page,
}) => {
  await openDemo(page);
  const figure = page.locator("figure.margin-scatter");
  const area = page.getByLabel(/^Scatter plot area/);
  await area.scrollIntoViewIfNeeded();
  await expect(figure).toHaveAttribute("data-points", /^[1-9]/);
  const ticks = await readTicks(figure);
  const vp = viewportOf(ticks);
  const chip = page.getByTestId("filter-chip").filter({ hasText: /^rectangle on Explicit margin × Implicit margin: / });

  await page.getByRole("button", { name: "Rectangle" }).click();
  await expect(page.getByRole("button", { name: "Rectangle" })).toHaveAttribute("aria-pressed", "true");
  const from: [number, number] = [0.25, 0.3];
  const to: [number, number] = [0.7, 0.75];
  await dragIn(page, area, from, to);
  await expect(chip).toBeVisible();
  await expect(chip).toHaveText(/: \[-?[\d.e+-]+, -?[\d.e+-]+\] × \[-?[\d.e+-]+, -?[\d.e+-]+\]/);
  await expect(page.getByTestId("scatter-region")).toBeVisible();
  // A rectangle draws no zoom: the axes stay.
  expect(await readTicks(figure)).toEqual(ticks);
  const r1 = await downloadRecipe(page);
  expect(r1.selection.gates).toHaveLength(1);
  expect(r1.selection.gates[0]).toMatchObject({ kind: "rect", x: "explicit", y: "implicit" });
  expectRectMatchesDrag(r1.selection.gates[0], vp, from, to, ticks);
  const want1 = await expectExportMatchesClauses(page);
  expect(want1.length).toBeGreaterThan(0);

  // Back to Pan: a plain drag pans, a Shift-drag draws a rectangle (replacing this view's region).
  await page.getByRole("button", { name: "Pan" }).click();
  await expect(page.getByRole("button", { name: "Pan" })).toHaveAttribute("aria-pressed", "true");
  const before = await chip.textContent();
  const from2: [number, number] = [0.1, 0.15];
  const to2: [number, number] = [0.5, 0.6];
  await page.keyboard.down("Shift");
  await dragIn(page, area, from2, to2);
  await page.keyboard.up("Shift");
  await expect(chip).toHaveCount(1);
  await expect(chip).not.toHaveText(before!);
  expect(await readTicks(figure)).toEqual(ticks);
  const r2 = await downloadRecipe(page);
  expect(r2.selection.gates).toHaveLength(1);
  expect(r2.selection.gates[0]).toMatchObject({ kind: "rect", x: "explicit", y: "implicit" });
  expectRectMatchesDrag(r2.selection.gates[0], vp, from2, to2, ticks);
  const want2 = await expectExportMatchesClauses(page);
  expect(want2.length).toBeGreaterThan(0);
  expect(want2).not.toEqual(want1);
});

test("three views: shared axes zoom together, hover rings the row in the others, a lasso in the third", async ({
  page,
}) => {
  await openDemo(page);
  await page.getByLabel("Scatter layout").selectOption({ label: "Three views" });
  const n = LINES.length.toLocaleString("en-US");
  const names = [
    `Scatter of ${n} pairs: Explicit margin vs Implicit margin`,
    `Scatter of ${n} pairs: Explicit margin vs M_AP`,
    `Scatter of ${n} pairs: |Implicit margin| vs M_AP`,
  ];
  for (const name of names) await expect(page.getByRole("img", { name, exact: true })).toBeVisible();
  const figures = page.locator("figure.margin-scatter");
  await expect(figures).toHaveCount(3);
  for (let i = 0; i < 3; i++) await expect(figures.nth(i)).toHaveAttribute("data-points", /^[1-9]/);
  const areas = [0, 1, 2].map((i) => figures.nth(i).getByLabel(/^Scatter plot area/));

  // Hover a point in the first view: the other two ring the same row.
  await areas[0].scrollIntoViewIfNeeded();
  await hoverAPoint(page, areas[0]);
  const hovered = /row (\d+)/.exec((await page.getByRole("tooltip").textContent()) ?? "")?.[1];
  expect(hovered).toBeDefined();
  for (const i of [1, 2]) await expect(figures.nth(i).locator("svg circle")).toHaveCount(1);
  // Leaving the plot clears the rings.
  await page.mouse.move(0, 0);
  for (const i of [1, 2]) await expect(figures.nth(i).locator("svg circle")).toHaveCount(0);

  // Wheel-zoom the first view: the second shares its x field (explicit margin), the third shares neither.
  const x2 = await xTicksKey(figures.nth(1));
  const x3 = await xTicksKey(figures.nth(2));
  const ticks3 = await readTicks(figures.nth(2));
  const b = (await areas[0].boundingBox())!;
  await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.5);
  await page.mouse.wheel(0, -400);
  await expect.poll(() => xTicksKey(figures.nth(1))).not.toBe(x2);
  await page.mouse.move(0, 0);
  expect(await xTicksKey(figures.nth(1))).toBe(await xTicksKey(figures.nth(0)));
  expect(await xTicksKey(figures.nth(2))).toBe(x3);
  expect(await readTicks(figures.nth(2))).toEqual(ticks3);

  // A lasso in the third view.
  await figures.nth(2).getByRole("button", { name: "Lasso" }).click();
  await areas[2].scrollIntoViewIfNeeded();
  const c = (await areas[2].boundingBox())!;
  const cx = c.x + c.width * 0.45;
  const cy = c.y + c.height * 0.5;
  await page.mouse.move(cx + c.width * 0.3, cy);
  await page.mouse.down();
  for (let t = 0; t <= 2 * Math.PI + 0.01; t += Math.PI / 24)
    await page.mouse.move(cx + Math.cos(t) * c.width * 0.3, cy + Math.sin(t) * c.height * 0.35);
  await page.mouse.up();
  await expect(
    page.getByTestId("filter-chip").filter({ hasText: /^lasso on \|Implicit margin\| × M_AP/ }),
  ).toBeVisible();
  await expect(figures.nth(2).getByTestId("scatter-region")).toBeVisible();
  const r = await downloadRecipe(page);
  expect(r.selection.gates).toHaveLength(1);
  expect(r.selection.gates[0]).toMatchObject({ kind: "lasso", x: "absImplicit", y: "mAp" });
  const want = await expectExportMatchesClauses(page);
  expect(want.length).toBeGreaterThan(0);
});

test("axis choice: X axis = chosen length redraws the scatter under its new name", async ({ page }) => {
  await openDemo(page);
  const n = LINES.length.toLocaleString("en-US");
  await expect(
    page.getByRole("img", { name: `Scatter of ${n} pairs: Explicit margin vs Implicit margin` }),
  ).toBeVisible();
  await page.getByLabel("X axis", { exact: true }).selectOption({ label: "Chosen length (chars)" });
  const img = page.getByRole("img", { name: `Scatter of ${n} pairs: Chosen length (chars) vs Implicit margin` });
  await expect(img).toBeVisible();
  const figure = page.locator("figure.margin-scatter");
  await expect(figure.locator("figcaption")).toHaveText("Chosen length (chars) × Implicit margin");
  await expect.poll(async () => Number(await figure.getAttribute("data-points"))).toBeGreaterThan(0);
  // The x axis now spans character counts: the chosen replies' lengths, in the tick labels.
  const lengths = LINES.map((l) => {
    const c = (JSON.parse(l) as { chosen: { content: string }[] }).chosen;
    return c[c.length - 1].content.length;
  });
  // The fit comes with the first frame of the new column (read by the scatter worker from the dataset worker).
  await expect.poll(async () => viewportOf(await readTicks(figure)).xMax).toBeGreaterThan(Math.max(...lengths) * 0.5);
  const vp = viewportOf(await readTicks(figure));
  expect(vp.xMin).toBeGreaterThan(-0.1 * vp.xMax);
});
