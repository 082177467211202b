// Verify an Open Badges 3.0 credential with Digital Bazaar's verifier, as a third party would.
//
//   node verify.mjs CREDENTIAL.json BASE_URL
//
// The issuer's documents (did:web document, issuer profile, status list) are fetched from the
// running app at BASE_URL exactly as it serves them; JSON-LD contexts come from the pinned
// copies the app bundles (app/certificates/contexts). Any other URL is refused.
// Prints one JSON line {verified, statusChecked, revoked, errors} and exits 0 only when the
// credential is verified (signature, dates) and not revoked (Bitstring Status List).
import {readFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', '..', 'app', 'certificates', 'contexts');

async function staticLoader() {
  const loader = new JsonLdDocumentLoader();
  const index = JSON.parse(await readFile(join(contextsDir, 'index.json'), 'utf8'));
  for(const [url, file] of Object.entries(index.contexts)) {
    loader.addStatic(url, JSON.parse(await readFile(join(contextsDir, file), 'utf8')));
  }
  return loader.build();
}

// did:web:host%3Aport[:path] -> http(s)://host:port[/path]/did.json (or /.well-known/did.json)
function didWebUrl(did, base) {
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  const origin = `${new URL(base).protocol}//${decodeURIComponent(host)}`;
  return path.length ? `${origin}/${path.join('/')}/did.json` : `${origin}/.well-known/did.json`;
}

async function fetchJson(url) {
  const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
  if(!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

function makeLoader(base, contexts) {
  const origin = new URL(base).origin;
  return async url => {
    try {
      return await contexts(url);
    } catch{
      // not a pinned context: one of the issuer's documents
    }
    const [resource, fragment] = url.split('#');
    let document;
    if(resource.startsWith('did:web:')) {
      document = await fetchJson(didWebUrl(resource, base));
    } else if(new URL(resource).origin === origin) {
      document = await fetchJson(resource);
    } else {
      throw new Error(`refusing to load ${url}: not a pinned context nor the issuer's`);
    }
    if(fragment !== undefined) {
      // A verification method: the node of the controller document, with its contexts.
      const method = (document.verificationMethod || []).find(m => m.id === url);
      if(!method) {
        throw new Error(`${url} is not in ${resource}`);
      }
      document = {'@context': document['@context'], ...method};
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

const [file, base] = process.argv.slice(2);
const credential = JSON.parse(await readFile(file, 'utf8'));
const documentLoader = makeLoader(base, await staticLoader());
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
const statusResults = result.statusResult?.results || [];
const revoked = statusResults.some(r => r.status === true);
const errors = [];
for(const error of [result.error, ...(result.results || []).map(r => r.error)]) {
  if(error) {
    errors.push(String(error.message || error));
    for(const inner of error.errors || []) {
      errors.push(String(inner.message || inner));
    }
  }
}
if(result.statusResult?.error) {
  errors.push(String(result.statusResult.error.message));
}
if(revoked) {
  errors.push('revoked: the status list has this credential\'s bit set');
}
const verified = result.verified === true && !revoked;
console.log(JSON.stringify({
  verified, signatureVerified: result.verified === true,
  statusChecked: statusResults.length > 0, revoked, errors
}));
process.exit(verified ? 0 : 1);
