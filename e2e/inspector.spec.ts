/**
 * The pair inspector on a markdown / XSS corpus built here: markdown rendered (tables, highlighted code, headings),
 * raw HTML and javascript: links inert, images never loaded, no request leaves the app's origin; "Show raw text",
 * "Show diff", a conversation with a system prompt, the row's numbers; a 1 MB nested row opens without freezing.
 */
import { expect, test, type Page } from "@playwright/test";
import { openApp } from "./helpers";

type Msg = { role: string; content: string };

const SYSTEM = "XSS-ROW system: you are <b>terse</b>.";
const CHOSEN = [
  "# Answer heading",
  "",
  'Inline HTML: <img src=x onerror="window.__pwned=2"> and <a href="javascript:window.__pwned=3">raw link</a>.',
  "",
  "<script>window.__pwned=4</script>",
  "",
  "A [markdown link](javascript:window.__pwned=5), a [data link](data:text/html,<b>x</b>) and a " +
    "[safe link](https://example.com/docs); an image ![a cat](https://images.example/cat.png).",
  "",
  "| name | value |",
  "|------|-------|",
  "| alpha | 1 |",
  "| beta | 2 |",
  "",
  "```python",
  "def greet(name):",
  '    return f"hi {name}"',
  "```",
  "",
  "- first item",
  "- second item",
].join("\n");
const REJECTED = CHOSEN.replace("first item", "initial item").replace("alpha", "gamma") + "\n\nOne extra sentence.";

// 1 MB of nested block quotes and list items (up to 250 levels deep).
function nestedMarkdown(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = "> ".repeat(i % 250) + `- item ${i} *em* [l](javascript:alert(${i}))`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}

// 60 kB of flat markdown: over the size limit, shallow, so "Render markdown anyway" is offered.
const LONG = Array.from(
  { length: 1000 },
  (_, i) => `## Section ${i}\n\n- a\n- b\n\n| x | y |\n|--|--|\n| ${i} | 2 |\n`,
).join("\n");

const chat = (prompt: Msg[], chosen: string, rejected: string) => ({
  chosen: [...prompt, { role: "assistant", content: chosen }],
  rejected: [...prompt, { role: "assistant", content: rejected }],
});

const EXPLICIT = [1.5, -0.5, 0.25, 2, 0.75, -1.25];
const ROWS = [
  chat(
    [
      { role: "system", content: SYSTEM },
      { role: "user", content: "<script>window.__pwned=1</script>First question?" },
      { role: "assistant", content: "First **answer**." },
      { role: "user", content: "Now show me everything." },
    ],
    CHOSEN,
    REJECTED,
  ),
  chat([{ role: "user", content: "BIG-ROW nested" }], nestedMarkdown(1_000_000), "small"),
  chat([{ role: "user", content: "PLAIN-ROW question" }], "A plain answer.", "Another plain answer."),
  chat([{ role: "user", content: "LONG-ROW question" }], LONG, "short"),
  chat([{ role: "user", content: "FILLER-4" }], "four", "four!"),
  chat([{ role: "user", content: "FILLER-5" }], "five", "five?"),
].map((r, i) => ({ ...r, rm_margin: EXPLICIT[i], logp_margin_norm: [0.2, -0.1, 0.4, 0.05, -0.3, 0.15][i] }));

/** Population z-score of `EXPLICIT[row]`, as the inspector shows it. */
function zExplicit(row: number): string {
  const mean = EXPLICIT.reduce((a, b) => a + b, 0) / EXPLICIT.length;
  const std = Math.sqrt(EXPLICIT.reduce((a, b) => a + (b - mean) ** 2, 0) / EXPLICIT.length);
  return ((EXPLICIT[row] - mean) / std).toFixed(3);
}

async function openPair(page: Page, marker: string, row: number) {
  await page.getByRole("table", { name: "Pairs" }).getByRole("row").filter({ hasText: marker }).click();
  const inspector = page.getByRole("complementary", { name: `Pair ${row}` });
  await expect(inspector).toBeVisible();
  return {
    inspector,
    prompt: inspector.getByRole("region", { name: "Prompt" }),
    chosen: inspector.getByRole("region", { name: "Chosen" }),
    rejected: inspector.getByRole("region", { name: "Rejected" }),
  };
}

test("inspector: a markdown/XSS corpus renders inert, diffs, and a 1 MB nested row keeps the page responsive", async ({
  page,
  baseURL,
}) => {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const origin = new URL(baseURL!).origin;
  const foreign: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith("http") && url.origin !== origin) foreign.push(r.url());
  });

  await openApp(page);
  await page.getByLabel("Upload dataset").setInputFiles({
    name: "xss-corpus.jsonl",
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n"),
  });
  await expect(page.getByText(/^Selected \d+ of 6$/)).toBeVisible();

  // Row 0: a conversation with a system prompt, and the XSS corpus as markdown.
  const { inspector, prompt, chosen, rejected } = await openPair(page, "XSS-ROW", 0);
  await expect(prompt.locator(".msg")).toHaveCount(4);
  await expect(prompt.locator(".msg.role-system")).toContainText("system prompt");
  await expect(prompt.locator(".msg.role-system")).toContainText("<b>terse</b>");
  await expect(prompt).toContainText("<script>window.__pwned=1</script>First question?");
  await expect(chosen.getByRole("heading", { name: "Answer heading" })).toBeVisible();
  await expect(chosen.locator("table")).toHaveCount(1);
  await expect(chosen.locator("table td").first()).toHaveText("alpha");
  await expect(chosen.locator(".md li")).toHaveText(["first item", "second item"]);
  await expect(chosen.locator("pre code.hljs.language-python .hljs-keyword").first()).toHaveText("def");
  // Raw HTML is text to read, never elements.
  await expect(chosen).toContainText('<img src=x onerror="window.__pwned=2">');
  await expect(chosen).toContainText('<a href="javascript:window.__pwned=3">raw link</a>');
  await expect(chosen).toContainText("<script>window.__pwned=4</script>");
  expect(await page.locator(".inspector script, .inspector img, .inspector iframe").count()).toBe(0);
  expect(await page.evaluate(() => [...document.scripts].some((s) => s.text.includes("__pwned")))).toBe(false);
  // Links: only the https one is a link (new tab, no opener / referrer); every target is written out.
  const hrefs = await chosen.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  expect(hrefs).toEqual(["https://example.com/docs", "https://images.example/cat.png"]);
  for (const href of await inspector.locator("[href]").evaluateAll((es) => es.map((e) => e.getAttribute("href")))) {
    expect(href).toMatch(/^https:\/\//);
  }
  const safe = chosen.getByRole("link", { name: "safe link" });
  await expect(safe).toHaveAttribute("target", "_blank");
  await expect(safe).toHaveAttribute("rel", "noopener noreferrer nofollow");
  await expect(chosen).toContainText("safe link (https://example.com/docs)");
  await expect(chosen).toContainText("markdown link (javascript:window.__pwned=5)");
  await expect(chosen).toContainText("image: a cat https://images.example/cat.png");
  await chosen.getByText("markdown link", { exact: true }).click();
  await chosen.getByText("data link", { exact: true }).click();
  expect(new URL(page.url()).origin).toBe(origin);

  // The row's numbers.
  const numbers = inspector.getByTestId("pair-numbers");
  await expect(numbers).toContainText(`z(m_ex)${zExplicit(0)}`);
  await expect(numbers).toContainText("explicit margin1.50000");
  await expect(numbers).toContainText("M_AP rank");

  // Show raw text: the markdown source as it is.
  await inspector.getByLabel("Show raw text").check();
  await expect(chosen).toContainText("| name | value |");
  await expect(chosen).toContainText("```python");
  await expect(chosen.locator("table")).toHaveCount(0);
  await inspector.getByLabel("Show raw text").uncheck();
  await expect(chosen.locator("table")).toHaveCount(1);

  // Show diff: the near-duplicate's changed words.
  await inspector.getByLabel("Show diff").check();
  await expect(chosen.locator("del")).toHaveText(["alpha", "first"]);
  await expect(rejected.locator("ins")).toHaveText(["gamma", "initial", "One extra sentence."]);
  await expect(inspector.getByTestId("diff-summary")).toContainText("% of words shared");
  await inspector.getByLabel("Show diff").uncheck();
  await expect(chosen.locator("del, ins")).toHaveCount(0);

  // Decisions still work from the inspector.
  await inspector.getByRole("button", { name: "Keep" }).click();
  await expect(inspector.getByTestId("decision-badge")).toHaveText("kept by hand");

  // Row 1: 1 MB of nested markdown shows as plain text with a notice; the page answers at once.
  const t0 = Date.now();
  const big = await openPair(page, "BIG-ROW", 1);
  await expect(big.chosen.getByRole("note")).toContainText("Nested over 100 levels deep");
  await expect(big.chosen).toContainText("- item 0 *em*");
  const plain = await openPair(page, "PLAIN-ROW", 2);
  await expect(plain.chosen).toHaveText(/A plain answer\./, { timeout: 5_000 });
  expect(Date.now() - t0).toBeLessThan(10_000);
  // …and back, with the diff on: too long to diff, said so.
  const bigAgain = await openPair(page, "BIG-ROW", 1);
  await bigAgain.inspector.getByLabel("Show diff").check();
  await expect(bigAgain.inspector.getByRole("note").first()).toContainText("too long to diff");
  await bigAgain.inspector.getByLabel("Show diff").uncheck();

  // Row 3: 60 kB of shallow markdown, plain until "Render markdown anyway".
  const long = await openPair(page, "LONG-ROW", 3);
  await expect(long.chosen.getByRole("note")).toContainText("Long text");
  await expect(long.chosen.locator("table")).toHaveCount(0);
  await long.chosen.getByRole("button", { name: "Render markdown anyway" }).click();
  await expect(long.chosen.locator("table")).toHaveCount(1000);

  // Search matches are marked inside rendered markdown too.
  await page.getByLabel("Search pairs").fill("safe link");
  await page.getByLabel("Search pairs").press("Enter");
  const again = await openPair(page, "XSS-ROW", 0);
  await expect(again.chosen.locator("a mark")).toHaveText("safe link");

  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(foreign).toEqual([]);
});
