/**
 * Starting the Chromium that scripts/test-tools.js finds or installs, the one way the browser
 * tests and the screenshot script do: playwright-core (which never downloads a browser) with the
 * system executable and flags that keep it off the network. Playwright gives every launch a new,
 * empty --user-data-dir of its own and removes it on close. Plain CommonJS (no build needed).
 */
'use strict';
const { findTool, toolsDir } = require('../test-tools');

/** Chromium's flags: headless, no sandbox (tests run as root), and nothing that calls home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium to drive; throws, saying how to get one, when there is none (never a silent skip). */
function chromiumPath(env = process.env) {
  const found = findTool('chromium', env);
  if (!found) {
    throw new Error(
      `chromium not found ($CHROMIUM, ${toolsDir(env)}/bin, /usr/bin/chromium, PATH): run "node scripts/test-tools.js" as root (npm test does), which installs Debian's chromium package, or set CHROMIUM`,
    );
  }
  return found;
}

/** Starts headless Chromium (a playwright-core Browser); close it when done. */
function launchChromium(env = process.env) {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(env), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

module.exports = { CHROMIUM_ARGS, chromiumPath, launchChromium };
