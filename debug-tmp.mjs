import { chromium } from "@playwright/test";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:3117/`);
await page.getByLabel("Upload dataset").setInputFiles("/tmp/sc/pairs.jsonl");
await page.waitForTimeout(1000);
console.log("panel", await page.locator("fieldset.scoring").count());
try { await page.getByLabel("Selection ratio", {exact: true}).fill("0.5", {timeout: 5000}); console.log("ratio fill ok"); } catch { console.log("ratio fill HUNG"); }
process.exit(0);
