#!/usr/bin/env node
/**
 * `npm run package:smart`: the exporter as a BlueKing PaaS S-mart source package, for the
 * platform's "S-mart app" upload (an app from a package instead of a repository).
 *
 * Layout, as the platform reads an uploaded package: it takes the first `app_desc.yaml` among the
 * sorted entry names and treats that file's folder as the app's root; each module's source is
 * `sourceDir` below it (empty here: the root itself). A package without a `.Version` file is a
 * source package: the platform adds a Procfile from app_desc.yaml and builds the module with its
 * buildpack, as for a repository. So app_desc.yaml sits at the top, next to package.json.
 *
 * Only an allowlist goes in (what the buildpack needs to build and run, plus the docs and alert
 * rules); anything that looks like a secret or a build output inside it stops the packaging.
 * The bytes depend only on the packaged files: sorted entries, fixed modes (0644, 0755 for
 * executables and folders), owner 0, one fixed mtime ($SOURCE_DATE_EPOCH, else npm's 1985-10-26),
 * and a gzip header without time or name.
 *
 * Usage: node scripts/package-smart.js [--out DIR]   (default dist-smart/); prints the file written.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const ustar = require('./lib/ustar');

const ROOT = path.resolve(__dirname, '..');

/** What goes into the package (files or folders, relative to the root); `optional` ones may be absent. */
const ALLOWLIST = [
  { path: 'app_desc.yaml' },
  { path: 'package.json' },
  { path: 'package-lock.json' },
  { path: 'tsconfig.json' },
  { path: 'tsconfig.build.json' },
  { path: 'src' },
  { path: 'bin' },
  { path: 'deploy/blueking' },
  { path: 'config.example.yaml' },
  { path: 'monitoring' },
  { path: 'docs' },
  { path: 'README.md' },
  { path: 'LICENSE', optional: true },
];

/** Paths that must never be packaged, even inside an allowed folder, with the reason. */
const REFUSED = [
  { test: /(^|\/)node_modules(\/|$)/, why: 'installed dependencies (the buildpack installs them)' },
  { test: /(^|\/)\.git(\/|$)/, why: 'git metadata' },
  { test: /(^|\/)\.env(\.[^/]*)?$/, why: 'an environment file (secrets)' },
  { test: /\.(pem|key|p12|pfx|jks)$/, why: 'a key or certificate file' },
  { test: /(^|\/)config\.yaml$/, why: 'a local config (may hold credentials)', except: 'deploy/blueking/config.yaml' },
  { test: /\.log$/, why: 'a log file' },
  { test: /(^|\/)\.DS_Store$/, why: 'editor litter' },
];

/** npm pack's fixed timestamp (1985-10-26T08:15:00Z): old enough to be obviously fixed, new enough for zip-era tools. */
const DEFAULT_MTIME = 499162500;

/** The archive's mtime: $SOURCE_DATE_EPOCH (the reproducible-builds convention) when set, else DEFAULT_MTIME. */
function packageMtime(env = process.env) {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return DEFAULT_MTIME;
  if (!/^\d+$/.test(v)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${v}"`);
  return Number(v);
}

function refusal(rel) {
  const hit = REFUSED.find((r) => r.test.test(rel) && r.except !== rel);
  return hit ? `refusing to package ${rel}: ${hit.why}` : undefined;
}

/** Every file under the allowlist: [{ rel, abs, executable }], in no particular order. */
function collectFiles(root) {
  const files = [];
  const visit = (rel) => {
    const abs = path.join(root, rel);
    const st = fs.lstatSync(abs);
    const why = refusal(rel);
    if (why) throw new Error(why);
    if (st.isSymbolicLink()) throw new Error(`refusing to package ${rel}: a symbolic link`);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs)) visit(`${rel}/${name}`);
    } else if (st.isFile()) {
      files.push({ rel, abs, executable: (st.mode & 0o111) !== 0 });
    } else {
      throw new Error(`refusing to package ${rel}: not a regular file`);
    }
  };
  for (const item of ALLOWLIST) {
    if (!fs.existsSync(path.join(root, item.path))) {
      if (item.optional) continue;
      throw new Error(`${item.path} is missing: the S-mart package needs it`);
    }
    visit(item.path);
  }
  return files;
}

/** The folders that hold `files`, each once. */
function parentFolders(files) {
  const dirs = new Set();
  for (const f of files) {
    const parts = f.rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs];
}

/** Reads app_desc.yaml and package.json and checks they name the same version. */
function describe(root) {
  const desc = parse(fs.readFileSync(path.join(root, 'app_desc.yaml'), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const code = desc?.app?.bkAppCode;
  if (typeof code !== 'string' || code === '') throw new Error('app_desc.yaml: app.bkAppCode is missing');
  if (String(desc.appVersion) !== pkg.version) {
    throw new Error(`app_desc.yaml: appVersion ${JSON.stringify(desc.appVersion)} differs from package.json's version ${JSON.stringify(pkg.version)}`);
  }
  return { code, version: pkg.version };
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Builds the package in memory: { fileName, bytes, names } (names: the archive's entries in order). */
function buildSmartPackage(root = ROOT, env = process.env) {
  const { code, version } = describe(root);
  const mtime = packageMtime(env);
  const files = collectFiles(root);
  const entries = [
    ...parentFolders(files).map((name) => ({ name, type: 'dir', mode: 0o755, mtime })),
    ...files.map((f) => ({ name: f.rel, type: 'file', mode: f.executable ? 0o755 : 0o644, mtime, data: fs.readFileSync(f.abs) })),
  ].sort(byName);
  return {
    fileName: `${code}-${version}.tar.gz`,
    bytes: ustar.gzip(ustar.tar(entries)),
    names: entries.map((e) => (e.type === 'dir' ? `${e.name}/` : e.name)),
  };
}

/** Writes the package into `outDir` and returns its path. */
function writeSmartPackage(outDir = path.join(ROOT, 'dist-smart'), root = ROOT, env = process.env) {
  const pkg = buildSmartPackage(root, env);
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, pkg.fileName);
  fs.writeFileSync(file, pkg.bytes);
  return file;
}

module.exports = { ALLOWLIST, DEFAULT_MTIME, buildSmartPackage, writeSmartPackage };

if (require.main === module) {
  const args = process.argv.slice(2);
  let outDir;
  if (args.length === 2 && args[0] === '--out') outDir = path.resolve(args[1]);
  else if (args.length > 0) {
    process.stderr.write('usage: node scripts/package-smart.js [--out DIR]\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${path.relative(process.cwd(), writeSmartPackage(outDir)) || '.'}\n`);
  } catch (err) {
    process.stderr.write(`package:smart: ${err.message}\n`);
    process.exit(1);
  }
}
