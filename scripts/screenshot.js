#!/usr/bin/env node
/**
 * `npm run screenshot`: regenerates README's picture of the status page, docs/img/status-page.png.
 * Starts the built exporter with --demo (the built-in simulator) on a free loopback port, scrapes
 * /metrics once so every target has been fetched, opens / in headless Chromium (found or installed
 * as for the tests: scripts/test-tools.js) and saves the whole page.
 *
 * Usage: node scripts/screenshot.js [--out FILE] [--lang en|zh]   (run `npm run build` first)
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { launchChromium } = require('./lib/chromium');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

/** A loopback port nobody listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, deadline) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the demo exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the demo did not answer /healthz within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Warns when no font covers Chinese: the page's 简体中文 link (and the zh page) would show boxes. */
function checkChineseFont() {
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() === '') {
    console.warn("screenshot: no font covers Chinese here, so 简体中文 shows as boxes; install one, e.g. Debian's fonts-wqy-microhei");
  }
}

async function main() {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm run screenshot does)`);
  const out = path.resolve(option('--out', path.join(ROOT, 'docs', 'img', 'status-page.png')));
  const lang = option('--lang', 'en');
  checkChineseFont();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const demo = spawn(process.execPath, [MAIN, '--demo', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  let browser;
  try {
    await waitForHealth(url, demo, Date.now() + 30_000);
    const scrape = await fetch(`${url}/metrics`);
    if (!scrape.ok) throw new Error(`/metrics answered ${scrape.status}`);
    await scrape.text();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 800 }, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
    const page = await context.newPage();
    const res = await page.goto(`${url}/`);
    if (!res || res.status() !== 200) throw new Error(`/ answered ${res ? res.status() : 'nothing'}`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`screenshot: ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)`);
  } finally {
    if (browser) await browser.close();
    demo.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(`screenshot failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
