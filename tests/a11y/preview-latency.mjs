#!/usr/bin/env node
// Live-preview latency in Debian's headless Chromium (scripts/bench_serve.py): on a profile's form, N
// edits of the patient's name (one key each, a pause between), each timed from the keydown to
//   panel: the preview panel swapped in with the packet for the new value (htmx:afterSwap), and
//   frame: the packet's page loaded in the panel's frame.
// Prints one JSON object: {"panel": [ms...], "frame": [ms...]}.
//
//   node tests/a11y/preview-latency.mjs START_URL PROFILE_NAME [N]

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [startUrl, profile, count = "50"] = process.argv.slice(2);
const origin = new URL(startUrl).origin;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true, chromiumSandbox: false, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const result = { panel: [], frame: [], sent: [], answered: [] };
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(startUrl);
  await page.goto(`${origin}/profiles/${encodeURIComponent(profile)}`);
  await page.waitForLoadState("networkidle");
  await page.evaluate(() => {
    window.__t = { keydown: 0, panel: 0, frame: 0, swaps: 0, frames: 0, sent: 0, answered: 0 };
    document.body.addEventListener("htmx:beforeRequest", () => { window.__t.sent = performance.now(); });
    document.body.addEventListener("htmx:afterRequest", () => { window.__t.answered = performance.now(); });
    document.addEventListener("keydown", () => { window.__t.keydown = performance.now(); }, true);
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target.id !== "preview-panel") return;
      window.__t.panel = performance.now();
      window.__t.swaps += 1;
      const frame = document.querySelector("#preview-panel iframe");
      if (frame) frame.addEventListener("load", () => { window.__t.frame = performance.now(); window.__t.frames += 1; });
    });
  });
  await page.locator("#f-patient-name").focus();
  await page.keyboard.press("End");
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < Number(count) + 3; i++) {
    const before = await page.evaluate(() => window.__t.frames);
    await page.keyboard.press(letters[i % letters.length]);
    await page.waitForFunction((n) => window.__t.frames > n, before, { timeout: 20000 });
    await page.waitForTimeout(150);  // the packet shown, as a coordinator would pause
    const t = await page.evaluate(() => window.__t);
    if (i >= 3) {  // the first few warm the server's caches
      result.panel.push(Math.round(t.panel - t.keydown));
      result.frame.push(Math.round(t.frame - t.keydown));
      result.sent.push(Math.round(t.sent - t.keydown));
      result.answered.push(Math.round(t.answered - t.keydown));
      const timing = await page.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/preview")).map((e) => [Math.round(e.startTime - window.__t.sent), Math.round(e.requestStart - e.startTime), Math.round(e.responseStart - e.requestStart), Math.round(window.__t.answered - e.responseEnd)]).slice(-1)[0]);
      (result.timing ||= []).push(timing);
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result) + "\n");
