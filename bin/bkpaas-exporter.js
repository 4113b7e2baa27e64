#!/usr/bin/env node
'use strict';
// The installed command: runs the compiled entry point (npm run build produces dist/).
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('bkpaas-exporter: dist/main.js is missing; run "npm run build" first\n');
  process.exit(2);
}
const { main } = require(entry);
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bkpaas-exporter: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
