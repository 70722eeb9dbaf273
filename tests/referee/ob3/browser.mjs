// The browser entry of the Open Badges 3.0 verifier, bundled by scripts/build-verifier.mjs into
// theme/assets/vendor/dcc-verifier.js. It exposes
//
//   window.CairnOB3.verifyCredential(credential, {fetchJson, now})
//     -> Promise<{verified, signature, revoked, expired, errors}>
//
// Its document loader serves the bundled JSON-LD contexts, fetches the issuer's did:web DID
// document (https://host[%3Aport]/.well-known/did.json, or .../path/did.json) and the status
// list credentials the credential names; it refuses every other URL.

import {contextDocument, didDocumentAnswer, didWebUrl, verifyCredential as verifyWith} from './core.mjs';

async function defaultFetchJson(url) {
  const response = await fetch(url, {headers: {accept: 'application/json'}, credentials: 'omit'});
  if (!response.ok) throw new Error(`NotFoundError: HTTP ${response.status} for ${url}`);
  return response.json();
}

function statusListUrls(credential) {
  const statuses = [].concat(credential?.credentialStatus || []);
  return new Set(statuses.map((s) => s && s.statusListCredential).filter((u) => typeof u === 'string'));
}

export async function verifyCredential(credential, {fetchJson = defaultFetchJson, now} = {}) {
  const dids = new Map();
  const lists = new Map();
  const allowedLists = statusListUrls(credential);
  async function documentLoader(url) {
    const context = contextDocument(url);
    if (context) return context;
    if (url.startsWith('did:web:')) {
      const did = url.split('#')[0];
      if (!dids.has(did)) {
        dids.set(
          did,
          Promise.resolve(fetchJson(didWebUrl(did))).then((doc) => {
            if (!doc || doc.id !== did) throw new Error(`the DID document at ${didWebUrl(did)} is not ${did}'s`);
            return doc;
          }),
        );
      }
      const answer = didDocumentAnswer(url, await dids.get(did));
      if (answer) return answer;
    }
    if (allowedLists.has(url) && /^https?:\/\//.test(url)) {
      if (!lists.has(url)) lists.set(url, Promise.resolve(fetchJson(url)));
      return {contextUrl: null, documentUrl: url, document: await lists.get(url)};
    }
    throw new Error(`refused to load ${url}: not a bundled context, the issuer's DID or a status list`);
  }
  return verifyWith(credential, {documentLoader, now});
}

globalThis.CairnOB3 = Object.freeze({verifyCredential});
