/**
 * The pairs table at a few thousand rows, read against the file: every sort shows the right rows in the right order
 * with their numbers, scrolling (the middle, the end) shows the rows of those positions, and a row opened from deep
 * in the table shows its margins, z-scores and M_AP. The expected values come from the file by straight loops here
 * (no lib/ code); the numbers on screen come from the dataset worker by row.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { openApp, upload } from "./helpers";

const N = 5000;
const ROW_HEIGHT = 30;

/** Seeded rows: explicit margins on a 0.01 grid (ties), ~2 % of each margin missing. */
function makeRows(): { explicit: number; implicit: number }[] {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: N }, () => {
    const ex = rnd() < 0.02 ? NaN : Math.round((rnd() * 6 - 1) * 100) / 100;
    const im = rnd() < 0.02 ? NaN : (rnd() - 0.5) * 3;
    return { explicit: ex, implicit: im };
  });
}

const ROWS = makeRows();
const num = (v: number) => (Number.isNaN(v) ? null : v);

function writeFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-table-"));
  const file = path.join(dir, "table-5000.jsonl");
  const lines = ROWS.map((r, i) =>
    JSON.stringify({
      prompt: `Question ${i}?`,
      chosen: `Good answer ${i}.`,
      rejected: `Bad answer ${i}.`,
      rm_margin: num(r.explicit),
      logp_margin_norm: num(r.implicit),
    }),
  );
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** Population z-scores over the given rows (NaN elsewhere). */
function zOver(values: number[], rows: number[]): number[] {
  const mean = rows.reduce((a, r) => a + values[r], 0) / rows.length;
  const std = Math.sqrt(rows.reduce((a, r) => a + (values[r] - mean) ** 2, 0) / rows.length);
  const out = values.map(() => NaN);
  for (const r of rows) out[r] = std === 0 ? 0 : (values[r] - mean) / std;
  return out;
}

const explicit = ROWS.map((r) => r.explicit);
const implicit = ROWS.map((r) => r.implicit);
const both = ROWS.flatMap((r, i) => (Number.isFinite(r.explicit) && Number.isFinite(r.implicit) ? [i] : []));
// M_AP with w = 1 (the default): z(m_ex) − z(|m_im|), both over the rows having both margins.
const zEx = zOver(explicit, both);
const zAbs = zOver(
  implicit.map((v) => Math.abs(v)),
  both,
);
const mAp = ROWS.map((_, i) => zEx[i] - zAbs[i]);

/** The table's order: by value, ties by row, missing last by row. */
function sorted(values: number[], descending: boolean): number[] {
  const ids = values.map((_, i) => i);
  return ids.sort((a, b) => {
    const na = Number.isNaN(values[a]);
    const nb = Number.isNaN(values[b]);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return values[a] === values[b] ? a - b : descending ? values[b] - values[a] : values[a] - values[b];
  });
}

const byMapDesc = sorted(mAp, true);
const rankOf = new Map(byMapDesc.filter((r) => !Number.isNaN(mAp[r])).map((r, p) => [r, p + 1]));
const fmt = (v: number) => (Number.isNaN(v) ? "missing" : v.toPrecision(4));

const table = (page: Page) => page.getByRole("table", { name: "Pairs" });
const atPosition = (page: Page, p: number) => table(page).locator(`tbody tr[aria-rowindex="${p + 2}"]`);

/** Expects the rows at positions `from`… to be `order`'s, with their explicit, implicit, M_AP and rank. */
async function expectRows(page: Page, order: number[], from: number, count: number): Promise<void> {
  for (let p = from; p < from + count; p++) {
    const row = order[p];
    const tr = atPosition(page, p);
    await expect(tr.locator("td.col-row")).toHaveText(String(row));
    await expect(tr.locator("td.col-explicit")).toHaveText(fmt(explicit[row]));
    await expect(tr.locator("td.col-implicit")).toHaveText(fmt(implicit[row]));
    await expect(tr.locator("td.col-mAp")).toHaveText(fmt(mAp[row]));
    await expect(tr.locator("td.col-rank")).toHaveText(String(rankOf.get(row) ?? "—"));
  }
}

async function scrollTo(page: Page, top: number | "end"): Promise<void> {
  await page.locator(".pairs-scroll").evaluate((el, t) => (el.scrollTop = t === "end" ? el.scrollHeight : t), top);
}

async function sortBy(page: Page, header: RegExp, direction: "ascending" | "descending"): Promise<void> {
  const th = table(page)
    .locator("th")
    .filter({ has: page.getByRole("button", { name: header }) });
  for (let i = 0; i < 2 && (await th.getAttribute("aria-sort")) !== direction; i++)
    await th.getByRole("button").click();
  await expect(th).toHaveAttribute("aria-sort", direction);
}

test("table at 5,000 rows: sorts and scrolls show the file's rows and numbers; the inspector's z-scores", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openApp(page);
  await upload(page, writeFile());
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${N}$`))).toBeVisible();
  await expect(page.getByTestId("table-row-count")).toHaveText(`${N} rows`);

  // File order: the start, the middle, the end.
  const fileOrder = ROWS.map((_, i) => i);
  await expectRows(page, fileOrder, 0, 3);
  await scrollTo(page, 2500 * ROW_HEIGHT);
  await expectRows(page, fileOrder, 2500, 3);
  await scrollTo(page, "end");
  await expectRows(page, fileOrder, N - 3, 3);

  // Explicit margin, best first then ascending: ties (a 0.01 grid) by row, missing margins last.
  await sortBy(page, /^Explicit/, "descending");
  const exDesc = sorted(explicit, true);
  await expectRows(page, exDesc, 0, 4);
  await scrollTo(page, 1234 * ROW_HEIGHT);
  await expectRows(page, exDesc, 1234, 3);
  await scrollTo(page, "end");
  await expectRows(page, exDesc, N - 3, 3);
  await expect(atPosition(page, N - 1).locator("td.col-explicit")).toHaveText("missing");
  await sortBy(page, /^Explicit/, "ascending");
  await expectRows(page, sorted(explicit, false), 0, 4);

  // Implicit margin, both ways.
  await sortBy(page, /^Implicit/, "descending");
  await expectRows(page, sorted(implicit, true), 0, 3);
  await sortBy(page, /^Implicit/, "ascending");
  const imAsc = sorted(implicit, false);
  await expectRows(page, imAsc, 0, 3);
  await scrollTo(page, 4000 * ROW_HEIGHT);
  await expectRows(page, imAsc, 4000, 3);

  // M_AP rank: 1, 2, 3… from the top; the selection (40 % of the rows with both margins) ticks the first rows.
  await sortBy(page, /^M_AP rank/, "descending");
  await expectRows(page, byMapDesc, 0, 3);
  await expect(atPosition(page, 0).locator("td.col-selected")).toHaveText("✓");
  const k = Math.floor(0.4 * both.length);
  await scrollTo(page, (k - 5) * ROW_HEIGHT);
  await expectRows(page, byMapDesc, k - 1, 2);
  await expect(atPosition(page, k - 1).locator("td.col-selected")).toHaveText("✓");
  await expect(atPosition(page, k).locator("td.col-selected")).toHaveText("");

  // Open the row at position k: the inspector's numbers are the file's.
  const row = byMapDesc[k];
  await atPosition(page, k).click();
  const numbers = page.getByRole("complementary", { name: `Pair ${row}` }).getByTestId("pair-numbers");
  const zExAll = zOver(
    explicit,
    explicit.flatMap((v, i) => (Number.isNaN(v) ? [] : [i])),
  );
  const absIm = implicit.map((v) => Math.abs(v));
  const zAbsAll = zOver(
    absIm,
    absIm.flatMap((v, i) => (Number.isNaN(v) ? [] : [i])),
  );
  await expect(numbers).toContainText(`explicit margin${explicit[row].toPrecision(6)}`);
  await expect(numbers).toContainText(`z(m_ex)${zExAll[row].toFixed(3)}`);
  await expect(numbers).toContainText(`implicit margin${implicit[row].toPrecision(6)}`);
  await expect(numbers).toContainText(`z(|m_im|)${zAbsAll[row].toFixed(3)}`);
  await expect(numbers).toContainText(`M_AP${mAp[row].toPrecision(6)}`);
  await expect(numbers).toContainText(`M_AP rank${k + 1}`);
  await expect(page.getByRole("complementary", { name: `Pair ${row}` })).toContainText("not selected");
});
