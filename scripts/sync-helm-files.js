#!/usr/bin/env node
// Copies the monitoring sources into the Helm chart, which cannot read files outside itself:
//   monitoring/alerts.yaml            -> helm/bkpaas-process-exporter/files/alerts.yaml
//   monitoring/dashboards/*.json      -> helm/bkpaas-process-exporter/files/dashboards/*.json
// Dashboards no longer in monitoring/dashboards/ are removed from the chart.
//
//   node scripts/sync-helm-files.js          copy
//   node scripts/sync-helm-files.js --check  only compare; exit 1 and list what differs
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CHART_FILES = path.join('helm', 'bkpaas-process-exporter', 'files');
const ALERTS = { src: path.join('monitoring', 'alerts.yaml'), dest: path.join(CHART_FILES, 'alerts.yaml') };
const DASHBOARDS_SRC = path.join('monitoring', 'dashboards');
const DASHBOARDS_DEST = path.join(CHART_FILES, 'dashboards');

/** Lists the .json files of a folder (relative to root), sorted; [] when the folder is absent. */
function jsonFiles(root, dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs)
    .filter((name) => name.endsWith('.json') && fs.statSync(path.join(abs, name)).isFile())
    .sort();
}

/**
 * Returns the sync plan for a repository root: `copies` (src/dest paths relative to root, and
 * whether the dest is already identical), `stale` chart files to delete, and `missing` sources.
 */
function plan(root = ROOT) {
  const copies = [];
  const missing = [];
  if (fs.existsSync(path.join(root, ALERTS.src))) copies.push({ ...ALERTS });
  else missing.push(ALERTS.src);
  const dashboards = jsonFiles(root, DASHBOARDS_SRC);
  if (dashboards.length === 0) missing.push(path.join(DASHBOARDS_SRC, '*.json'));
  for (const name of dashboards) {
    copies.push({ src: path.join(DASHBOARDS_SRC, name), dest: path.join(DASHBOARDS_DEST, name) });
  }
  for (const copy of copies) {
    const dest = path.join(root, copy.dest);
    copy.upToDate =
      fs.existsSync(dest) && fs.readFileSync(dest).equals(fs.readFileSync(path.join(root, copy.src)));
  }
  const stale = jsonFiles(root, DASHBOARDS_DEST)
    .filter((name) => !dashboards.includes(name))
    .map((name) => path.join(DASHBOARDS_DEST, name));
  return { copies, stale, missing };
}

/** Applies a plan: copies what is not up to date and deletes stale copies. Returns the changed paths. */
function apply(p, root = ROOT) {
  const changed = [];
  for (const copy of p.copies) {
    if (copy.upToDate) continue;
    fs.mkdirSync(path.dirname(path.join(root, copy.dest)), { recursive: true });
    fs.copyFileSync(path.join(root, copy.src), path.join(root, copy.dest));
    changed.push(copy.dest);
  }
  for (const file of p.stale) {
    fs.rmSync(path.join(root, file));
    changed.push(file);
  }
  return changed;
}

function main(argv) {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`usage: node scripts/sync-helm-files.js [--check]  (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  const p = plan();
  for (const m of p.missing) console.error(`missing source: ${m}`);
  if (check) {
    const outdated = p.copies.filter((c) => !c.upToDate).map((c) => `${c.dest} differs from ${c.src}`);
    const problems = [...outdated, ...p.stale.map((s) => `${s} has no source in ${DASHBOARDS_SRC}`)];
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) console.error('run `node scripts/sync-helm-files.js` to update the chart copies');
    if (problems.length === 0 && p.missing.length === 0) console.log('chart files are in sync with monitoring/');
    return problems.length > 0 || p.missing.length > 0 ? 1 : 0;
  }
  const changed = apply(p);
  for (const file of changed) console.log(`updated ${file}`);
  if (changed.length === 0) console.log('chart files already in sync');
  return p.missing.length > 0 ? 1 : 0;
}

module.exports = { plan, apply };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
