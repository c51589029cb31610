#!/usr/bin/env node
// Accessibility check of built packets: run axe-core in Debian's headless Chromium.
//
//   node tests/a11y/axe-check.mjs FILE_OR_FOLDER...
//
// Each HTML file (a folder stands for the *.html files directly in it) is opened by a
// file:// URL in one shared browser. Packets are self-contained, so every request that is
// not for a file:, data: or blob: URL is blocked and reported. axe-core's axe.min.js from
// node_modules is injected and run with the WCAG 2.0/2.1 A and AA rules and best practice.
//
// Prints to stdout a JSON array, one entry per file:
//   {file, violations: [{id, impact, help, helpUrl, nodes: [target...], html: [markup...]}],
//    blocked_requests: [url...]}
// Exit status: 0 no violation and no blocked request; 1 some; 2 the check could not run
// (no browser, a file that did not load, a bad argument), with the reason on stderr.
//
// Set-up: scripts/setup_a11y.sh (Debian's chromium and `npm ci` here).
// CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).

import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve, join } from "node:path";
import { pathToFileURL } from "node:url";

const SETUP_HINT = "run scripts/setup_a11y.sh (installs Debian's chromium and this folder's node_modules)";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PAGE_TIMEOUT_MS = 30_000;
const LOCAL_SCHEMES = new Set(["file:", "data:", "blob:", "about:"]);

function fail(message) {
  process.stderr.write(`axe-check: ${message}\n`);
  process.exit(2);
}

function htmlFiles(args) {
  const files = [];
  for (const arg of args) {
    const path = resolve(arg);
    if (!existsSync(path)) fail(`no such file or folder: ${arg}`);
    if (statSync(path).isDirectory()) {
      files.push(...readdirSync(path).filter((name) => name.endsWith(".html")).sort().map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}

function isLocal(url) {
  try {
    return LOCAL_SCHEMES.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

async function checkFile(browser, axeSource, file) {
  // A fresh context per file: no state leaks from one packet into the next.
  const context = await browser.newContext({ bypassCSP: true, serviceWorkers: "block" });
  const blocked = new Set();
  try {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      blocked.add(url);
      return route.abort("blockedbyclient");
    });
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    // Requests the router may not see (e.g. some file: sub-resources) are still listed here.
    page.on("request", (request) => {
      if (!isLocal(request.url())) blocked.add(request.url());
    });
    const response = await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
    if (response && !response.ok()) throw new Error(`status ${response.status()}`);
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        // A target is a list of selectors only inside iframes / shadow roots; packets have none.
        nodes: v.nodes.map((n) => n.target.map((t) => (Array.isArray(t) ? t.join(" ") : t)).join(" >>> ")),
        // The offending elements' opening markup, same order as nodes, for whoever fixes the template.
        html: v.nodes.map((n) => (n.html.length > 200 ? n.html.slice(0, 199) + "…" : n.html)),
      }));
    }, TAGS);
    return { file, violations, blocked_requests: [...blocked].sort() };
  } finally {
    await context.close();
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
    process.stderr.write("usage: node axe-check.mjs FILE_OR_FOLDER...\n");
    process.exit(args.length === 0 ? 2 : 0);
  }
  const files = htmlFiles(args);
  if (files.length === 0) fail(`no .html files in: ${args.join(" ")}`);

  const require = createRequire(import.meta.url);
  let chromium, axePath;
  try {
    ({ chromium } = require("playwright-core"));
    axePath = require.resolve("axe-core/axe.min.js");
  } catch (exc) {
    fail(`node packages missing (${exc.code || exc.message}); ${SETUP_HINT}`);
  }
  if (!existsSync(CHROMIUM)) fail(`no browser at ${CHROMIUM}; ${SETUP_HINT}`);
  const axeSource = await readFile(axePath, "utf8");

  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: LAUNCH_ARGS,
      timeout: 60_000,
    });
  } catch (exc) {
    fail(`could not start ${CHROMIUM}: ${exc.message}`);
  }

  const results = [];
  let failed = null;
  try {
    for (const file of files) {
      try {
        results.push(await checkFile(browser, axeSource, file));
      } catch (exc) {
        failed = `could not check ${file}: ${exc.message}`;
        break;
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
  if (failed) fail(failed);

  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  const bad = results.some((r) => r.violations.length > 0 || r.blocked_requests.length > 0);
  process.exit(bad ? 1 : 0);
}

main().catch((exc) => fail(exc.stack || String(exc)));
