#!/usr/bin/env node
// The Open Badges 3.0 referee, offline:
//
//   node verify.mjs --did-doc PATH --base URL [--status-dir PATH] [--now ISO] FILE.json...
//
// prints one JSON line per credential: {"file", "verified", "signature", "revoked", "expired",
// "errors"}. Exit status 0 when every credential verified, 1 when any did not, 2 on a usage error.
//
// The document loader answers only: the JSON-LD contexts, from the npm context packages; the
// issuer's DID and its verification methods, from the DID document file; and documents under
// --base (the status lists), from --status-dir when given (the path under --base + "status/")
// or else over HTTP, and then only from a loopback host. Anything else throws: no network.

import fs from 'node:fs';
import path from 'node:path';
import {contextDocument, didDocumentAnswer, verifyCredential} from './core.mjs';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

// A second fence, in case a library ever fetches by itself: fetch() reaches loopback only.
const realFetch = globalThis.fetch;
globalThis.fetch = async (resource, init) => {
  const url = new URL(resource instanceof Request ? resource.url : String(resource));
  if (!LOOPBACK.has(url.hostname)) throw new Error(`referee: refused network access to ${url.href}`);
  return realFetch(resource, init);
};

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node verify.mjs --did-doc PATH --base URL [--status-dir PATH] [--now ISO] FILE.json...\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const options = {files: []};
  const names = {'--did-doc': 'didDoc', '--base': 'base', '--status-dir': 'statusDir', '--now': 'now'};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in names) {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      options[names[arg]] = argv[++i];
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else {
      options.files.push(arg);
    }
  }
  if (!options.didDoc) usage('--did-doc is required');
  if (!options.base) usage('--base is required');
  if (!options.files.length) usage('no credential files given');
  if (!options.base.endsWith('/')) options.base += '/';
  return options;
}

function makeDocumentLoader({didDocument, base, statusDir}) {
  const baseUrl = new URL(base);
  if (!LOOPBACK.has(baseUrl.hostname)) throw new Error(`referee: --base must be a loopback URL, not ${base}`);
  const cache = new Map();
  return async function documentLoader(url) {
    const context = contextDocument(url);
    if (context) return context;
    if (url.startsWith('did:')) {
      const answer = didDocumentAnswer(url, didDocument);
      if (answer) return answer;
      throw new Error(`referee: ${url} is not in the DID document given (${didDocument.id}); not resolved offline`);
    }
    if (!url.startsWith(base)) throw new Error(`referee: refused to load ${url}: not a bundled context and not under ${base}`);
    if (cache.has(url)) return cache.get(url);
    let document;
    const relative = url.slice(base.length).split('#')[0];
    if (statusDir && relative.startsWith('status/')) {
      const file = path.join(statusDir, relative.slice('status/'.length));
      if (!fs.existsSync(file)) throw new Error(`NotFoundError: ${url} (no file ${file})`);
      document = JSON.parse(fs.readFileSync(file, 'utf8'));
    } else {
      const response = await fetch(url, {headers: {accept: 'application/json'}, redirect: 'error'});
      if (!response.ok) throw new Error(`NotFoundError: HTTP ${response.status} for ${url}`);
      document = await response.json();
    }
    const answer = {contextUrl: null, documentUrl: url, document};
    cache.set(url, answer);
    return answer;
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const didDocument = JSON.parse(fs.readFileSync(options.didDoc, 'utf8'));
  const documentLoader = makeDocumentLoader({didDocument, base: options.base, statusDir: options.statusDir});
  let allVerified = true;
  for (const file of options.files) {
    let outcome;
    try {
      const credential = JSON.parse(fs.readFileSync(file, 'utf8'));
      outcome = await verifyCredential(credential, {documentLoader, now: options.now});
    } catch (error) {
      outcome = {verified: false, signature: false, revoked: null, expired: false, errors: [String(error?.message || error)]};
    }
    allVerified &&= outcome.verified;
    process.stdout.write(`${JSON.stringify({file, ...outcome})}\n`);
  }
  process.exitCode = allVerified ? 0 : 1;
}

await main();
