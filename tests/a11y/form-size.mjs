#!/usr/bin/env node
// The size of a profile's form in Debian's headless Chromium at 1280 px wide (scripts/measure_form.py):
// the page height in CSS pixels, the fields shown (distinct names of visible inputs) and the controls
// shown, and how far down the page the primary actions are. Prints one JSON object.
//
//   node tests/a11y/form-size.mjs START_URL PROFILE_NAME

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [startUrl, profile] = process.argv.slice(2);
const origin = new URL(startUrl).origin;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true, chromiumSandbox: false, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(startUrl);
  await page.goto(`${origin}/profiles/${encodeURIComponent(profile)}`);
  await page.waitForLoadState("networkidle");
  const size = await page.evaluate(() => {
    // checkVisibility: false inside a closed <details> (its content is skipped, not removed)
    const visible = (el) => el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true });
    const controls = [...document.querySelectorAll("form input, form select, form textarea")]
      .filter((el) => el.type !== "hidden" && visible(el) && el.name !== "fill_in_done");
    const where = (text) => {
      const el = [...document.querySelectorAll("button, a")].find((b) => b.textContent.trim().startsWith(text) && visible(b));
      return el ? Math.round(el.getBoundingClientRect().top + window.scrollY) : null;
    };
    return {
      height: document.documentElement.scrollHeight,
      fields: new Set(controls.map((el) => el.name)).size,
      controls: controls.length,
      save_at: where("Save"),
      build_at: where("Build the PDF") ?? where("Save and build"),
    };
  });
  process.stdout.write(JSON.stringify(size) + "\n");
} finally {
  await browser.close();
}
