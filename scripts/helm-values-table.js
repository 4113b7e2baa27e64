#!/usr/bin/env node
// Generates the values table of the chart's README.md from the helm-docs style `# --` comments
// of values.yaml (the same format helm-docs reads, so either tool can maintain the table).
//
//   node scripts/helm-values-table.js            print the table
//   node scripts/helm-values-table.js --write    replace the table in README.md
//   node scripts/helm-values-table.js --check    exit 1 when README.md's table is stale or a
//                                                value has no `# --` comment (its own or a parent's)
//   --values FILE --readme FILE                  other files (tests use them)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const CHART = path.resolve(__dirname, '..', 'helm', 'bkpaas-process-exporter');
const START = '<!-- values-table:start -->';
const END = '<!-- values-table:end -->';

/**
 * Reads values.yaml text line by line and returns every key path (dot-joined) with its
 * `# --` description, or null when it has none. Keys inside lists are not keys of the chart.
 */
function parseDocs(text) {
  const keys = [];
  const stack = [];
  let pending = null;
  let listIndent = -1;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const trimmed = line.trim();
    if (trimmed === '') {
      pending = null;
      continue;
    }
    if (trimmed.startsWith('#')) {
      const doc = /^#\s?--\s?(.*)$/.exec(trimmed);
      if (doc) pending = doc[1];
      else if (pending !== null) pending += ' ' + trimmed.replace(/^#\s?/, '');
      continue;
    }
    if (listIndent >= 0 && (indent > listIndent || (indent === listIndent && trimmed.startsWith('-')))) {
      continue;
    }
    listIndent = -1;
    if (trimmed.startsWith('-')) {
      listIndent = indent;
      pending = null;
      continue;
    }
    const m = /^("[^"]+"|'[^']+'|[^\s:#][^:#]*?)\s*:(\s|$)/.exec(trimmed);
    if (!m) {
      pending = null;
      continue;
    }
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const key = m[1].replace(/^["']|["']$/g, '');
    stack.push({ indent, key });
    keys.push({ path: stack.map((s) => s.key), doc: pending });
    pending = null;
  }
  return keys;
}

function get(obj, keyPath) {
  return keyPath.reduce((o, k) => (o !== null && typeof o === 'object' ? o[k] : undefined), obj);
}

function typeOf(v) {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'string';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Returns the values table (markdown) and the key paths that no `# --` comment covers. */
function buildTable(valuesText) {
  const values = YAML.parse(valuesText);
  const keys = parseDocs(valuesText);
  const documented = new Set(keys.filter((k) => k.doc !== null).map((k) => k.path.join('.')));
  const covered = (p) => p.some((_, i) => documented.has(p.slice(0, i + 1).join('.')));
  const undocumented = keys
    .filter((k) => !isObject(get(values, k.path)) || Object.keys(get(values, k.path)).length === 0)
    .filter((k) => !covered(k.path))
    .map((k) => k.path.join('.'));
  const rows = keys
    .filter((k) => k.doc !== null)
    .map((k) => {
      const name = k.path.join('.');
      const value = get(values, k.path);
      const hasDocumentedChildren = [...documented].some((d) => d.startsWith(name + '.'));
      const def = hasDocumentedChildren ? '(see below)' : '`' + JSON.stringify(value) + '`';
      const cell = (s) => s.replace(/\|/g, '\\|');
      return `| ${name} | ${typeOf(value)} | ${cell(def)} | ${cell(k.doc.trim())} |`;
    });
  const table = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|', ...rows].join('\n');
  return { table, undocumented };
}

/** Returns the README text with the table between the markers replaced. */
function replaceTable(readme, table) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no ${START} ... ${END} markers`);
  return readme.slice(0, start + START.length) + '\n' + table + '\n' + readme.slice(end);
}

function main(argv) {
  const opt = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const valuesFile = opt('--values', path.join(CHART, 'values.yaml'));
  const readmeFile = opt('--readme', path.join(CHART, 'README.md'));
  const { table, undocumented } = buildTable(fs.readFileSync(valuesFile, 'utf8'));
  if (argv.includes('--check')) {
    let failed = false;
    for (const key of undocumented) {
      console.error(`${valuesFile}: ${key} has no "# --" comment (on itself or a parent)`);
      failed = true;
    }
    const readme = fs.readFileSync(readmeFile, 'utf8');
    if (replaceTable(readme, table) !== readme) {
      console.error(`${readmeFile}: the values table is stale; run \`node scripts/helm-values-table.js --write\``);
      failed = true;
    }
    if (!failed) console.log('values documented, README table up to date');
    return failed ? 1 : 0;
  }
  if (argv.includes('--write')) {
    const readme = fs.readFileSync(readmeFile, 'utf8');
    fs.writeFileSync(readmeFile, replaceTable(readme, table));
    console.log(`updated ${readmeFile}`);
    for (const key of undocumented) console.error(`warning: ${key} has no "# --" comment`);
    return 0;
  }
  console.log(table);
  return 0;
}

module.exports = { parseDocs, buildTable, replaceTable };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
