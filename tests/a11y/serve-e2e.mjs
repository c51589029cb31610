#!/usr/bin/env node
// End-to-end check of `sop-packets serve` in Debian's headless Chromium (tests/test_serve_browser.py).
//
//   node tests/a11y/serve-e2e.mjs START_URL PROFILES_DIR SCREENSHOT_DIR FHIR_BUNDLE
//
// Walks the coordinator's flow, with the keyboard alone wherever a person can: the worklist, importing
// a FHIR Bundle in the app, the imported profile and its FILL IN fields, a mistake (error summary +
// field message) and its fix, the live preview, saving, a duplicate patient id refused, sending the
// profile for review and a clinician's check, building and downloading the PDF, the profile's
// history, a conflicting save, and the clinic page. axe-core runs on every page; each page is checked
// at 200% zoom for sideways scrolling; any Content-Security-Policy violation or request to another
// origin fails the run. Saves the README screenshots.
// Prints a JSON report; exit 0 when every step passed, 1 when a step failed, 2 when it could not run.

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const require = createRequire(import.meta.url);
const [startUrl, profilesDir, shots, bundle] = process.argv.slice(2);
if (!startUrl || !profilesDir || !shots || !bundle) {
  process.stderr.write("usage: node serve-e2e.mjs START_URL PROFILES_DIR SCREENSHOT_DIR FHIR_BUNDLE\n");
  process.exit(2);
}
const origin = new URL(startUrl).origin;
const report = { steps: [], axe: {}, overflow: {}, csp: [], foreign: [] };

let chromium, axeSource;
try {
  ({ chromium } = require("playwright-core"));
  axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
} catch (exc) {
  process.stderr.write(`serve-e2e: node packages missing (${exc.message}); run scripts/setup_a11y.sh\n`);
  process.exit(2);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")), html: v.nodes.map((n) => n.html.slice(0, 200)) }));
  }, TAGS);
  report.axe[label] = violations;
}

async function zoomed(browser, cookies, path, label) {
  // 200% zoom: a 1280 px wide window shows 640 CSS pixels.
  const context = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto(origin + path);
  const sizes = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth }));
  report.overflow[label] = sizes;
  await context.close();
}

async function tabTo(page, predicate, what, limit = 400) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate)) return;
  }
  throw new Error(`could not reach ${what} with the Tab key`);
}

let current = "";
async function step(name, body) {
  current = name;
  const started = Date.now();
  try {
    await body();
    report.steps.push({ name, ok: true, ms: Date.now() - started });
  } catch (exc) {
    report.steps.push({ name, ok: false, error: String(exc.stack || exc) });
    throw exc;
  }
}

async function waitForPreview(page) {
  await page.waitForFunction(() => {
    const panel = document.querySelector("#preview-panel");
    return panel && (panel.querySelector("iframe") || panel.querySelector(".preview-problems"));
  }, null, { timeout: 20000 });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true, chromiumSandbox: false, timeout: 60000,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("console", (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) report.csp.push(`${current}: ${m.location().url}: ${m.text()}`); });
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !/^(data|blob|about):/.test(r.url())) report.foreign.push(r.url()); });

  await step("worklist", async () => {
    await page.goto(startUrl);
    check(new URL(page.url()).search === "", "the token stays in the address bar");
    await page.locator("table.worklist").waitFor();
    check((await page.title()).startsWith("Worklist"), "title");
    await axe(page, "worklist");
  });
  const cookies = await context.cookies();

  await step("import a FHIR Bundle in the app", async () => {
    await page.locator("#upload").setInputFiles(bundle);  // the file chooser: the one step not by keyboard
    await tabTo(page, () => document.activeElement?.id === "kind-auto", "the kind of file");
    await page.keyboard.press("ArrowDown");  // FHIR
    check(await page.locator("#kind-fhir").isChecked(), "FHIR chosen with the arrow key");
    await tabTo(page, () => document.activeElement?.textContent?.trim() === "Import", "the Import button");
    await Promise.all([page.waitForLoadState("load"), page.waitForURL("**/import"), page.keyboard.press("Enter")]);
    const report = await page.locator("#import-report").innerText();
    check(report.includes("New profiles: pt-1001.yaml"), `the import report names the new profile: ${report}`);
    check(await page.locator("text=Needs filling in").count() > 0, "the imported profile is marked");
    await axe(page, "worklist after an import");
    await page.screenshot({ path: join(shots, "serve-worklist.png") });
  });

  await step("open the imported profile with the keyboard", async () => {
    await tabTo(page, () => document.activeElement?.getAttribute("href") === "/profiles/pt-1001.yaml", "the profile link");
    await Promise.all([page.waitForURL("**/profiles/pt-1001.yaml"), page.keyboard.press("Enter")]);
    check(await page.locator("#fill-ins").count() === 1, "FILL IN list at the top");
    await axe(page, "form");
  });

  await step("fill in a FILL IN field and make a mistake", async () => {
    await tabTo(page, () => document.activeElement?.getAttribute("href") === "#f-treatment_plan-urgency_stated", "the FILL IN link");
    await page.keyboard.press("Enter");
    check(await page.evaluate(() => document.activeElement?.id) === "f-treatment_plan-urgency_stated", "the link moves focus to the field");
    await page.keyboard.press("Space");  // "Immediate"
    await tabTo(page, () => document.activeElement?.getAttribute("href") === "#f-diagnosis-melanoma-breslow_mm", "the Breslow link");
    await page.keyboard.press("Enter");
    check(await page.evaluate(() => document.activeElement?.id) === "f-diagnosis-melanoma-breslow_mm", "focus on Breslow");
    await page.keyboard.type("1,2 mm");
    await Promise.all([page.waitForLoadState("load"), page.waitForURL("**/profiles/pt-1001.yaml"), page.keyboard.press("Enter")]);
    await page.locator(".error-summary").waitFor();
    check((await page.title()).startsWith("Error:"), "the title starts with Error:");
    check(await page.evaluate(() => document.activeElement?.id) === "error-summary", "the summary takes focus");
    const summary = await page.locator(".error-summary").innerText();
    check(summary.includes("must be a number, not '1,2 mm'"), `the CLI's message in the summary: ${summary}`);
    check(await page.locator("#f-diagnosis-melanoma-breslow_mm-error").innerText().then((t) => t.includes("must be a number")), "message beside the field");
    await axe(page, "form with an error");
    await page.screenshot({ path: join(shots, "serve-form-error.png") });
    await page.locator(".field-error", { has: page.locator("#f-diagnosis-melanoma-breslow_mm") })
      .screenshot({ path: join(shots, "serve-field-error.png") });
  });

  await step("fix the mistake from the summary and see the preview change", async () => {
    await page.keyboard.press("Tab");
    check(await page.evaluate(() => document.activeElement?.getAttribute("href")) === "#f-diagnosis-melanoma-breslow_mm", "first summary link");
    await page.keyboard.press("Enter");
    check(await page.evaluate(() => document.activeElement?.id) === "f-diagnosis-melanoma-breslow_mm", "the summary link focuses the field");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("1.2");
    await waitForPreview(page);
    await page.waitForFunction(() => document.querySelector("#preview-panel")?.innerText.includes("What your changes do"));
    const changes = await page.locator("#preview-panel .changes").innerText();
    check(/Added|Removed|Urgency changes/.test(changes), `the preview names what changed: ${changes}`);
    await page.locator("#preview-panel iframe").waitFor();
    check(await page.locator("#f-diagnosis-melanoma-breslow_mm-error").count() === 0, "the live check clears the field's message");
    await axe(page, "form with preview");
    await page.locator("aside.preview").screenshot({ path: join(shots, "serve-preview.png") });
  });

  await step("save", async () => {
    await page.locator("#f-diagnosis-melanoma-breslow_mm").focus();
    await Promise.all([page.waitForURL("**/profiles/pt-1001.yaml?done=saved"), page.keyboard.press("Enter")]);
    check(await page.locator(".notice").innerText().then((t) => t.includes("Saved")), "saved notice");
    const text = readFileSync(join(profilesDir, "pt-1001.yaml"), "utf8");
    check(text.includes("breslow_mm: 1.2") && text.includes("urgency_stated: immediate"), "values written");
    check(text.includes("# Imported from FHIR"), "comments kept");
  });

  await step("a duplicate patient id is refused", async () => {
    await page.goto(origin + "/profiles/ex-09-other-minimal.yaml");
    await page.locator("#s-patient details.more > summary").click();
    await page.locator("#f-patient-id").fill("pt-1001");
    await Promise.all([page.waitForLoadState("load"), page.locator(".action-bar button[value=save]").click()]);
    await page.locator(".error-summary").waitFor();
    const summary = await page.locator(".error-summary").innerText();
    check(summary.includes("pt-1001.yaml") && summary.includes("ex-09-other-minimal.yaml"), `both files named: ${summary}`);
    check(readFileSync(join(profilesDir, "ex-09-other-minimal.yaml"), "utf8").includes("id: ex-09-other-minimal"), "not saved");
    await page.evaluate(() => window.scrollTo(0, 0));  // a link half scrolled off the top is no small target
    await axe(page, "duplicate refused");
  });

  await step("send for review and a clinician's check", async () => {
    await page.goto(origin + "/profiles/pt-1001.yaml");
    await tabTo(page, () => document.activeElement?.textContent?.trim() === "Send for review", "Send for review");
    await Promise.all([page.waitForURL("**/profiles/pt-1001.yaml/review?done=sent"), page.keyboard.press("Enter")]);
    check(await page.locator("#page-one").innerText().then((t) => t.length > 100), "page one is shown");
    await axe(page, "review");
    await tabTo(page, () => document.activeElement?.id === "r-safe_to_wait", "the timing question");
    await page.keyboard.press("ArrowDown");  // "No, treatment should not wait"
    await page.keyboard.press("ArrowUp");  // "Yes, it is safe to wait"
    await page.keyboard.press("Tab");
    await page.keyboard.type("2027-01-15");  // safe to wait until (a date field takes typed digits)
    await page.locator("#r-checked_by").focus();
    await page.keyboard.type("Dr Ana Ruiz");
    await page.keyboard.press("Tab");
    await page.keyboard.type("dermatologist");
    await tabTo(page, () => document.activeElement?.id === "r-confirm", "the confirmation box");
    await page.keyboard.press("Space");
    await page.screenshot({ path: join(shots, "serve-review.png"), fullPage: true });
    await tabTo(page, () => document.activeElement?.textContent?.trim() === "Mark the packet checked", "the check button");
    await Promise.all([page.waitForURL("**/review?done=checked"), page.keyboard.press("Enter")]);
    const state = await page.locator(".review-state").innerText();
    check(state.startsWith("Checked by Dr Ana Ruiz, dermatologist, on "), `the review page says who checked it: ${state}`);
    check(readFileSync(join(profilesDir, "pt-1001.yaml"), "utf8").includes("safe_to_wait: yes"), "the timing answer is written");
  });

  await step("build and download the PDF", async () => {
    await page.goto(origin + "/profiles/pt-1001.yaml");
    check(await page.locator(".review-panel").innerText().then((t) => t.includes("Checked by Dr Ana Ruiz")), "the profile shows the check");
    await page.evaluate(() => window.scrollTo(0, document.querySelector(".action-bar").offsetTop));
    await page.screenshot({ path: join(shots, "serve-form.png") });  // the sticky actions, the form, the preview
    await page.evaluate(() => window.scrollTo(0, 0));
    await tabTo(page, () => document.activeElement?.textContent?.trim() === "Save and build the PDF", "the build button", 20);
    await Promise.all([page.waitForURL("**/profiles/pt-1001.yaml?done=built", { timeout: 120000 }), page.keyboard.press("Enter")]);
    await tabTo(page, () => document.activeElement?.textContent?.trim() === "Download the PDF", "the download link");
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    const saved = join(shots, ".e2e-download.pdf");
    await download.saveAs(saved);
    check(readFileSync(saved).subarray(0, 4).toString() === "%PDF", "a PDF was downloaded");
    report.pdf_name = download.suggestedFilename();
  });

  await step("the history is shown", async () => {
    const history = await page.locator("#history").innerText();
    for (const what of ["Imported", "Saved", "Reviewed (sent for review)", "Reviewed (marked checked by a clinician)", "Built the packet"]) {
      check(history.includes(what), `the history lists “${what}”: ${history}`);
    }
    check(!history.includes("Dr Ana Ruiz") && !history.includes("1.2"), "field names, never values");
    await page.locator("#history").screenshot({ path: join(shots, "serve-history.png") });
    await page.goto(origin + "/");
    const row = await page.locator("tr", { has: page.locator("a[href='/profiles/pt-1001.yaml']") }).innerText();
    check(row.includes("Checked by Dr Ana Ruiz, dermatologist"), `the worklist shows who checked it: ${row}`);
  });

  await step("a conflicting save is refused", async () => {
    await page.goto(origin + "/profiles/ex-09-other-minimal.yaml");
    const file = join(profilesDir, "ex-09-other-minimal.yaml");
    const nightly = readFileSync(file, "utf8") + "# changed by the nightly import\n";
    writeFileSync(file, nightly);
    await page.locator("#f-patient-name").fill("Beatrix Hollowell-Ames");
    await page.locator(".action-bar button[value=save]").click();
    await page.locator("#conflict").waitFor();
    check((await page.title()).startsWith("Error:"), "conflict title");
    check((await page.locator("pre.diff").innerText()).includes("+# changed by the nightly import"), "the difference is shown");
    check(readFileSync(file, "utf8") === nightly, "the file on disk is untouched");
    await axe(page, "conflict");
  });

  await step("clinic page", async () => {
    await page.goto(origin + "/clinic");
    check(await page.locator("#contrast").innerText().then((t) => t.includes("Contrast with white paper")), "contrast shown");
    await axe(page, "clinic");
    await page.locator("#f-accent_color").fill("#ffee88");
    await page.waitForFunction(() => document.querySelector("#contrast")?.innerText.includes("Too light"));
    await page.waitForFunction(() => document.querySelector("#preview-panel")?.innerText.includes("too light"));
    await page.locator("#f-accent_color").fill("#8a1c4a");
    await page.locator("#preview-panel iframe").waitFor();
    await axe(page, "clinic with preview");
  });

  await step("without JavaScript", async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
    await plain.addCookies(cookies);
    const page2 = await plain.newPage();
    await page2.goto(origin + "/profiles/ex-01-melanoma-primary-care.yaml");
    await page2.locator("#f-concerns-cost").check();
    await Promise.all([page2.waitForLoadState("load"), page2.locator(".action-bar button[value=check]").click()]);
    await page2.locator("#preview-panel iframe").waitFor();
    check((await page2.locator("#preview-panel .changes").innerText()).includes("Added"), "the preview without JavaScript");
    await Promise.all([page2.waitForLoadState("load"), page2.locator("button[value='add:patient.comorbidities']").click()]);
    check(await page2.locator("#f-patient-comorbidities-1").count() === 1, "add another without JavaScript");
    await plain.close();
  });

  await step("200% zoom", async () => {
    for (const [path, label] of [["/", "worklist"], ["/profiles/pt-1001.yaml", "form"], ["/clinic", "clinic"]]) {
      await zoomed(browser, cookies, path, label);
    }
  });
} catch (exc) {
  failed = true;
} finally {
  await browser.close().catch(() => {});
}
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
const bad = failed || Object.values(report.axe).some((v) => v.length) || report.csp.length || report.foreign.length
  || Object.values(report.overflow).some((s) => s.scroll > s.client + 1);
process.exit(bad ? 1 : 0);
