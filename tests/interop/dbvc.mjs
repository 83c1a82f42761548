#!/usr/bin/env node
// Independent verifier / signer for the interop tests, built only from Digital Bazaar's
// packages (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, ed25519-multikey,
// ed25519-signature-2020, ed25519-verification-key-2020, did-method-key,
// vc-bitstring-status-list, rdf-canonize, jsonld). None of the project's Python code runs here.
//
// Offline: the document loader serves the project's bundled JSON-LD contexts
// (vc/contexts/index.json, read relative to this file), did:key documents built locally by
// @digitalbazaar/did-method-key, and the controller documents / status list credentials given
// on the command line. Any other URL is refused with an error naming it.
//
// Usage (FILE may be "-" for stdin; every command prints one JSON object on stdout):
//   node dbvc.mjs verify FILE [--did-doc FILE]... [--status-list FILE]... [--skip-status]
//                              [--nested] [--now ISO]
//       exit 0 when the credential verifies and no status bit is set; 1 otherwise.
//       DataIntegrityProof (eddsa-rdfc-2022) and Ed25519Signature2020 proofs are accepted.
//   node dbvc.mjs sign FILE --seed HEX64 [--created ISO] [--set-issuer]
//                            [--suite eddsa-rdfc-2022|Ed25519Signature2020]
//       signs with eddsa-rdfc-2022 (default) or Ed25519Signature2020 using the did:key key
//       derived from the seed.
//   node dbvc.mjs sign-jwt FILE --seed HEX64
//       a VC-JWT (compact JWS, alg EdDSA, kid = the seed's did:key verification method) of the
//       credential, claims mapped as VC-JWT 1.1 / OB 3.0 8.2.4 (iss, jti, sub, nbf, exp, vc);
//       signed by Ed25519Multikey's signer. Prints {jwt}.
//   node dbvc.mjs verify-jwt FILE [--now ISO]
//       FILE holds a compact JWS. EdDSA signature checked with the kid's did:key (did-method-key,
//       Ed25519Multikey verifier), kid listed under assertionMethod by the iss DID, the vc
//       claim checked by @digitalbazaar/vc's own credential checks (_checkCredential: context,
//       type, subject, issuer, issuanceDate/expirationDate or validFrom/validUntil against now),
//       iss/jti/sub/nbf/exp agreeing with it. Output {verified, errors, accepted}.
//   node dbvc.mjs make-vc11-samples DIR --seed HEX64
//       writes the three VC 1.1 OB 3.0 samples of fixtures/ (see README.md) into DIR.
//   node dbvc.mjs status-list --id URL --seed HEX64 [--purpose revocation] [--set 3,17]
//                              [--length 131072] [--valid-from ISO] [--created ISO]
//       a BitstringStatusListCredential made by vc-bitstring-status-list (createList,
//       createCredential) with the given indexes set, issued by the seed's did:key and signed.
//   node dbvc.mjs keyinfo --seed HEX64
//       prints {did, verificationMethod, publicKeyMultibase} for the seed.
//   node dbvc.mjs canonize FILE
//       FILE is a JSON array of N-Quads documents (strings); prints {canonical: [...]} with
//       rdf-canonize's RDFC-1.0 canonical N-Quads of each, or {error} for an item that fails.
//   node dbvc.mjs canonize-jsonld FILE
//       FILE is a JSON array of JSON-LD documents; prints {canonical: [...]} with jsonld.js's
//       jsonld.canonize (RDFC-1.0, N-Quads, safe: false, base: null, rdfDirection i18n-datatype, the offline loader) of each, or
//       {error} for an item that fails.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didMethodKey from '@digitalbazaar/did-method-key';
import {
  checkStatus as checkBitstringStatus,
  createCredential as createStatusListCredential,
  createList as createStatusList
} from '@digitalbazaar/vc-bitstring-status-list';
import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const CONTEXT_DIR = join(REPO, 'vc', 'contexts');

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const args = {command, positional: [], didDocs: [], statusLists: [], flags: new Set()};
  const valued = new Set([
    '--did-doc', '--controller-doc', '--status-list', '--seed', '--created', '--now',
    '--id', '--purpose', '--set', '--length', '--valid-from', '--suite'
  ]);
  for(let i = 0; i < rest.length; ++i) {
    const arg = rest[i];
    if(valued.has(arg)) {
      const value = rest[++i];
      if(value === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      if(arg === '--did-doc' || arg === '--controller-doc') {
        args.didDocs.push(value);
      } else if(arg === '--status-list') {
        args.statusLists.push(value);
      } else {
        args[arg.slice(2)] = value;
      }
    } else if(arg.startsWith('--')) {
      args.flags.add(arg);
    } else {
      args.positional.push(arg);
    }
  }
  return args;
}

function readJson(path) {
  const text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  return JSON.parse(text);
}

function seedBytes(hex) {
  if(!/^[0-9a-fA-F]{64}$/.test(hex || '')) {
    throw new Error('--seed must be 64 hex digits (32 bytes)');
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

// ---------------------------------------------------------------- document loader

function bundledContexts() {
  const index = JSON.parse(readFileSync(join(CONTEXT_DIR, 'index.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, file] of Object.entries(index)) {
    contexts.set(url, JSON.parse(readFileSync(join(CONTEXT_DIR, file), 'utf8')));
  }
  return contexts;
}

function didKeyDriver() {
  const driver = didMethodKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  return driver;
}

function absoluteId(id, base) {
  if(typeof id !== 'string') {
    return id;
  }
  return id.startsWith('#') ? `${base}${id}` : id;
}

// Controller (DID) documents given with --did-doc: serve the document under its id and each
// verification method (listed or embedded under a proof purpose) under its own id.
function indexControllerDocuments(docs) {
  const documents = new Map();
  for(const doc of docs) {
    if(typeof doc.id !== 'string') {
      throw new Error('a --did-doc document has no "id"');
    }
    documents.set(doc.id, doc);
    const relations = ['verificationMethod', 'assertionMethod', 'authentication'];
    for(const relation of relations) {
      const values = [].concat(doc[relation] || []);
      for(const vm of values) {
        if(vm && typeof vm === 'object' && vm.id) {
          const id = absoluteId(vm.id, doc.id);
          documents.set(id, {
            '@context': doc['@context'],
            ...vm,
            id,
            controller: vm.controller || doc.id
          });
        }
      }
    }
  }
  return documents;
}

function makeDocumentLoader({didDocs = [], statusLists = []} = {}) {
  const contexts = bundledContexts();
  const controllers = indexControllerDocuments(didDocs);
  const lists = new Map(statusLists.map(sl => [sl.id, sl]));
  const driver = didKeyDriver();
  const loaded = [];
  const loader = async url => {
    loaded.push(url);
    const wrap = document => ({contextUrl: null, documentUrl: url, document});
    if(contexts.has(url)) {
      return wrap(contexts.get(url));
    }
    if(controllers.has(url)) {
      return wrap(controllers.get(url));
    }
    if(lists.has(url)) {
      return wrap(lists.get(url));
    }
    if(url.startsWith('did:key:')) {
      return wrap(await driver.get({url}));
    }
    throw new Error(`offline document loader: no bundled or supplied document for "${url}"`);
  };
  loader.loaded = loaded;
  return loader;
}

// ---------------------------------------------------------------- result reporting

function errorMessages(value, out = [], seen = new Set()) {
  if(!value || typeof value !== 'object' || seen.has(value)) {
    return out;
  }
  seen.add(value);
  if(value instanceof Error) {
    out.push(`${value.name}: ${value.message}`);
    if(Array.isArray(value.errors)) {
      value.errors.forEach(e => errorMessages(e, out, seen));
    }
    if(value.cause) {
      errorMessages(value.cause, out, seen);
    }
    // jsonld.js puts the document loader's own error under details.cause
    if(value.details && value.details.cause) {
      errorMessages(value.details.cause, out, seen);
    }
    return out;
  }
  if(Array.isArray(value)) {
    value.forEach(v => errorMessages(v, out, seen));
    return out;
  }
  for(const key of ['error', 'errors', 'results', 'log', 'statusResult', 'purposeResult']) {
    if(key in value) {
      errorMessages(value[key], out, seen);
    }
  }
  return out;
}

function summariseStatus(statusResult) {
  if(!statusResult) {
    return undefined;
  }
  const entries = (statusResult.results || []).map(r => ({
    statusPurpose: r.credentialStatus?.statusPurpose,
    statusListIndex: r.credentialStatus?.statusListIndex,
    statusListCredential: r.credentialStatus?.statusListCredential,
    status: r.status
  }));
  return {
    verified: statusResult.verified === true,
    skipped: statusResult.skipped === true || undefined,
    entries,
    errors: [...new Set(errorMessages(statusResult))]
  };
}

// ---------------------------------------------------------------- commands

async function verifyOne(credential, {documentLoader, skipStatus, now}) {
  const suite = [new DataIntegrityProof({cryptosuite: eddsaRdfc2022}), new Ed25519Signature2020()];
  const checkStatus = skipStatus ?
    async () => ({verified: true, skipped: true, results: []}) :
    checkBitstringStatus;
  let result;
  try {
    result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus, now});
  } catch(error) {
    result = {verified: false, error};
  }
  const statusResult = summariseStatus(result.statusResult);
  const statusBitSet = !!statusResult && statusResult.entries.some(e => e.status === true);
  // revoked / suspended: true or false only when a status list was actually read
  const checked = !!statusResult && !statusResult.skipped && statusResult.verified;
  const bitSetFor = purpose => checked ?
    statusResult.entries.some(e => e.status === true && e.statusPurpose === purpose) : null;
  const out = {
    verified: result.verified === true,
    errors: [...new Set(errorMessages(result))],
    revoked: statusResult ? bitSetFor('revocation') : undefined,
    suspended: statusResult ? bitSetFor('suspension') : undefined,
    statusResult
  };
  out.accepted = out.verified && !statusBitSet;
  return out;
}

async function commandVerify(args) {
  if(args.positional.length !== 1) {
    throw new Error('verify needs exactly one FILE (or - for stdin)');
  }
  const credential = readJson(args.positional[0]);
  const documentLoader = makeDocumentLoader({
    didDocs: args.didDocs.map(readJson),
    statusLists: args.statusLists.map(readJson)
  });
  const options = {documentLoader, skipStatus: args.flags.has('--skip-status'), now: args.now};
  const out = await verifyOne(credential, options);
  if(args.flags.has('--nested')) {
    const nested = [].concat(credential?.credentialSubject?.verifiableCredential || []);
    out.nested = [];
    for(const inner of nested) {
      if(typeof inner === 'string') {
        out.nested.push({verified: false, errors: ['nested VC-JWT: not checked here'], accepted: false});
      } else {
        out.nested.push({id: inner.id, ...(await verifyOne(inner, options))});
      }
    }
    out.accepted = out.accepted && out.nested.every(n => n.accepted);
  }
  out.loaded = [...new Set(documentLoader.loaded)];
  return out;
}

async function keyFromSeed(seedHex) {
  // the DID (and the assertionMethod id) come from did-method-key; the signing key pair is the
  // seed-derived Multikey with that id and controller
  const seed = seedBytes(seedHex);
  const publicOnly = await Ed25519Multikey.generate({seed});
  const {didDocument, methodFor} = await didKeyDriver().fromKeyPair({verificationKeyPair: publicOnly});
  const {id} = methodFor({purpose: 'assertionMethod'});
  const keyPair = await Ed25519Multikey.generate({seed, id, controller: didDocument.id});
  return {did: didDocument.id, keyPair};
}

// The same seed as an Ed25519VerificationKey2020 key pair (for Ed25519Signature2020), under the
// did:key's verification method id.
async function key2020FromSeed(seedHex) {
  const {did, keyPair} = await keyFromSeed(seedHex);
  const key2020 = await Ed25519VerificationKey2020.generate({
    seed: seedBytes(seedHex), id: keyPair.id, controller: did
  });
  return {did, keyPair: key2020};
}

async function commandKeyinfo(args) {
  const {did, keyPair} = await keyFromSeed(args.seed);
  return {did, verificationMethod: keyPair.id, publicKeyMultibase: keyPair.publicKeyMultibase};
}

async function commandSign(args) {
  if(args.positional.length !== 1) {
    throw new Error('sign needs exactly one FILE (or - for stdin)');
  }
  const credential = readJson(args.positional[0]);
  const {did, keyPair} = await keyFromSeed(args.seed);
  if(args.flags.has('--set-issuer')) {
    if(credential.issuer && typeof credential.issuer === 'object') {
      credential.issuer = {...credential.issuer, id: did};
    } else {
      credential.issuer = did;
    }
  }
  return signCredential(credential, {seedHex: args.seed, created: args.created, suiteName: args.suite});
}

async function signCredential(credential, {seedHex, created, suiteName = 'eddsa-rdfc-2022'}) {
  let suite;
  if(suiteName === 'eddsa-rdfc-2022') {
    const {keyPair} = await keyFromSeed(seedHex);
    suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date: created});
  } else if(suiteName === 'Ed25519Signature2020') {
    const {keyPair} = await key2020FromSeed(seedHex);
    suite = new Ed25519Signature2020({key: keyPair, date: created});
  } else {
    throw new Error(`--suite must be eddsa-rdfc-2022 or Ed25519Signature2020, not ${suiteName}`);
  }
  return vc.issue({credential, suite, documentLoader: makeDocumentLoader()});
}

// ---------------------------------------------------------------- VC-JWT (EdDSA)

function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

function jsonSegment(value) {
  return b64url(Buffer.from(JSON.stringify(value), 'utf8'));
}

function numericDate(value) {
  return typeof value === 'string' ? Math.floor(new Date(value).getTime() / 1000) : undefined;
}

// VC-JWT 1.1 6.3.1 / OB 3.0 8.2.4.2: the registered claims a credential maps to.
function claimsFor(credential) {
  const issuer = typeof credential.issuer === 'object' ? credential.issuer.id : credential.issuer;
  const subject = [].concat(credential.credentialSubject || [])[0] || {};
  const claims = {
    iss: issuer,
    jti: credential.id,
    sub: subject.id,
    nbf: numericDate(credential.issuanceDate ?? credential.validFrom),
    exp: numericDate(credential.expirationDate ?? credential.validUntil),
    vc: credential
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

async function signJwt(credential, seedHex) {
  const {keyPair} = await keyFromSeed(seedHex);
  const header = {alg: 'EdDSA', typ: 'JWT', kid: keyPair.id};
  const signingInput = `${jsonSegment(header)}.${jsonSegment(claimsFor(credential))}`;
  const signature = await keyPair.signer().sign({data: Buffer.from(signingInput, 'ascii')});
  return `${signingInput}.${b64url(signature)}`;
}

async function commandSignJwt(args) {
  if(args.positional.length !== 1) {
    throw new Error('sign-jwt needs exactly one FILE (or - for stdin)');
  }
  return {jwt: await signJwt(readJson(args.positional[0]), args.seed)};
}

async function verifyJwt(token, {now} = {}) {
  const errors = [];
  const parts = token.trim().split('.');
  if(parts.length !== 3) {
    return {verified: false, errors: ['not a compact JWS'], accepted: false};
  }
  const [header, claims] = parts.slice(0, 2).map(p => JSON.parse(Buffer.from(p, 'base64url')));
  const credential = claims.vc;
  if(header.alg !== 'EdDSA') {
    errors.push(`alg ${header.alg} is not EdDSA`);
  }
  if(typeof header.kid !== 'string' || !header.kid.startsWith('did:key:')) {
    errors.push('kid is not a did:key verification method');
  } else {
    const driver = didKeyDriver();
    const method = await driver.get({url: header.kid});
    const didDocument = await driver.get({did: header.kid.split('#')[0]});
    const assertion = [].concat(didDocument.assertionMethod || [])
      .map(vm => typeof vm === 'string' ? vm : vm.id);
    if(!assertion.includes(header.kid)) {
      errors.push(`${header.kid} is not under assertionMethod`);
    }
    if(didDocument.id !== claims.iss) {
      errors.push(`the key belongs to ${didDocument.id}, not to iss ${claims.iss}`);
    }
    const key = await Ed25519Multikey.from(method);
    const ok = await key.verifier().verify({
      data: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'),
      signature: Buffer.from(parts[2], 'base64url')
    });
    if(!ok) {
      errors.push('Invalid signature.');
    }
  }
  if(!credential || typeof credential !== 'object') {
    errors.push('no vc claim');
  } else {
    try {
      vc._checkCredential({credential, now: now ? new Date(now) : new Date(), mode: 'verify'});
    } catch(error) {
      errors.push(`${error.name}: ${error.message}`);
    }
    const expected = claimsFor(credential);
    for(const name of ['iss', 'jti', 'sub', 'nbf', 'exp']) {
      if(name in claims && name in expected && claims[name] !== expected[name]) {
        errors.push(`claim ${name} (${claims[name]}) disagrees with the vc claim (${expected[name]})`);
      }
    }
    const nowSeconds = (now ? new Date(now) : new Date()).getTime() / 1000;
    if(typeof claims.nbf === 'number' && claims.nbf > nowSeconds) {
      errors.push('the token is not valid yet (nbf)');
    }
    if(typeof claims.exp === 'number' && claims.exp < nowSeconds) {
      errors.push('the token has expired (exp)');
    }
  }
  return {verified: errors.length === 0, errors, accepted: errors.length === 0};
}

async function commandVerifyJwt(args) {
  if(args.positional.length !== 1) {
    throw new Error('verify-jwt needs exactly one FILE (or - for stdin)');
  }
  const path = args.positional[0];
  const token = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  return verifyJwt(token, {now: args.now});
}

// ---------------------------------------------------------------- the VC 1.1 samples

// An OB 3.0 AchievementCredential in the VC 1.1 data model (as Open edX and OB 3.0 before
// 3.0.3 issue them): VC 1.1 context first, an OB 3.0.x context second, issuanceDate.
function vc11Badge({did, obContext, extraContexts = [], name, expirationDate}) {
  const credential = {
    '@context': ['https://www.w3.org/2018/credentials/v1', obContext, ...extraContexts],
    id: `urn:uuid:${name.id}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: name.credential,
    issuer: {id: did, type: ['Profile'], name: 'Example Open edX Academy', url: 'https://courses.example.org'},
    issuanceDate: '2024-03-01T12:00:00Z',
    credentialSubject: {
      id: 'did:example:learner-0b3c2c6e',
      type: ['AchievementSubject'],
      achievement: {
        id: `https://courses.example.org/achievements/${name.course}`,
        type: ['Achievement'],
        achievementType: 'Course',
        name: name.achievement,
        description: `Awarded on completing ${name.achievement}.`,
        criteria: {narrative: 'Pass every graded assignment with at least 70%.'}
      }
    }
  };
  if(expirationDate) {
    credential.expirationDate = expirationDate;
  }
  return credential;
}

async function commandMakeVc11Samples(args) {
  if(args.positional.length !== 1) {
    throw new Error('make-vc11-samples needs exactly one DIR');
  }
  const dir = args.positional[0];
  mkdirSync(dir, {recursive: true});
  const {did} = await keyFromSeed(args.seed);
  const created = '2024-03-01T12:00:00Z';
  const eddsa = await signCredential(vc11Badge({
    did,
    obContext: 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
    extraContexts: ['https://w3id.org/security/data-integrity/v2'],
    name: {id: '6f1c2a8e-3d4b-4c55-9a1e-2b7f0c9d1e01', course: 'ds101', credential: 'Data Science Foundations',
      achievement: 'Data Science Foundations'},
    expirationDate: '2099-12-31T23:59:59Z'
  }), {seedHex: args.seed, created, suiteName: 'eddsa-rdfc-2022'});
  const legacy = await signCredential(vc11Badge({
    did,
    obContext: 'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
    extraContexts: ['https://w3id.org/security/suites/ed25519-2020/v1'],
    name: {id: '6f1c2a8e-3d4b-4c55-9a1e-2b7f0c9d1e02', course: 'py201', credential: 'Python for Research',
      achievement: 'Python for Research'}
  }), {seedHex: args.seed, created, suiteName: 'Ed25519Signature2020'});
  const token = await signJwt(vc11Badge({
    did,
    obContext: 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
    name: {id: '6f1c2a8e-3d4b-4c55-9a1e-2b7f0c9d1e03', course: 'stat110', credential: 'Probability',
      achievement: 'Probability'},
    expirationDate: '2099-12-31T23:59:59Z'
  }), args.seed);
  const files = {
    'vc11-ob30-eddsa-rdfc-2022.json': JSON.stringify(eddsa, null, 2) + '\n',
    'vc11-ob30-ed25519-signature-2020.json': JSON.stringify(legacy, null, 2) + '\n',
    'vc11-ob30-eddsa.jwt': token + '\n'
  };
  for(const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  return {did, written: Object.keys(files)};
}

async function commandStatusList(args) {
  if(!args.id) {
    throw new Error('status-list needs --id URL');
  }
  const list = await createStatusList({length: Number(args.length || 131072)});
  for(const index of (args.set || '').split(',').filter(Boolean)) {
    list.setStatus(Number(index), true);
  }
  const credential = await createStatusListCredential({
    id: args.id, list, statusPurpose: args.purpose || 'revocation'
  });
  const {did, keyPair} = await keyFromSeed(args.seed);
  credential.issuer = did;
  if(args['valid-from']) {
    credential.validFrom = args['valid-from'];
  }
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022,
    date: args.created
  });
  return vc.issue({credential, suite, documentLoader: makeDocumentLoader()});
}

async function commandCanonize(args) {
  if(args.positional.length !== 1) {
    throw new Error('canonize needs exactly one FILE (or - for stdin)');
  }
  const documents = readJson(args.positional[0]);
  if(!Array.isArray(documents) || !documents.every(d => typeof d === 'string')) {
    throw new Error('canonize needs a JSON array of N-Quads strings');
  }
  // no work bound: the test datasets are small, and a bail-out would hide a disagreement
  return canonicalizeEach(documents, nquads => rdfCanonize.canonize(nquads, {
    algorithm: 'RDFC-1.0',
    inputFormat: 'application/n-quads',
    format: 'application/n-quads',
    maxWorkFactor: Infinity
  }));
}

async function commandCanonizeJsonld(args) {
  if(args.positional.length !== 1) {
    throw new Error('canonize-jsonld needs exactly one FILE (or - for stdin)');
  }
  const documents = readJson(args.positional[0]);
  if(!Array.isArray(documents)) {
    throw new Error('canonize-jsonld needs a JSON array of JSON-LD documents');
  }
  const documentLoader = makeDocumentLoader();
  // vc.canonical.canonize(document, safe=False)'s counterpart: no safe mode (dropped terms and
  // relative IRIs are not refused), and the options eddsa-rdfc-2022-cryptosuite canonicalizes
  // with (base null, rdfDirection i18n-datatype), the offline loader
  return canonicalizeEach(documents, document => jsonld.canonize(document, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    safe: false,
    base: null,
    rdfDirection: 'i18n-datatype',
    documentLoader
  }));
}

// {canonical: [...]}: each item canonicalized, or {error} in its place.
async function canonicalizeEach(items, canonicalize) {
  const canonical = [];
  for(const item of items) {
    try {
      canonical.push(await canonicalize(item));
    } catch(error) {
      canonical.push({error: [...new Set(errorMessages(error))].join('; ') ||
        `${error?.name}: ${error?.message}`});
    }
  }
  return {canonical};
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const commands = {
    verify: commandVerify,
    sign: commandSign,
    keyinfo: commandKeyinfo,
    'status-list': commandStatusList,
    canonize: commandCanonize,
    'canonize-jsonld': commandCanonizeJsonld,
    'sign-jwt': commandSignJwt,
    'verify-jwt': commandVerifyJwt,
    'make-vc11-samples': commandMakeVc11Samples
  };
  const command = commands[args.command];
  if(!command) {
    throw new Error(
      'usage: dbvc.mjs verify FILE [options] | sign FILE --seed HEX64 | ' +
      'status-list --id URL --seed HEX64 [--set I,J] | keyinfo --seed HEX64 | canonize FILE | ' +
      'canonize-jsonld FILE | sign-jwt FILE --seed HEX64 | verify-jwt FILE | ' +
      'make-vc11-samples DIR --seed HEX64');
  }
  const out = await command(args);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  if((args.command === 'verify' || args.command === 'verify-jwt') && !out.accepted) {
    process.exitCode = 1;
  }
}

main().catch(error => {
  const out = {verified: false, accepted: false, errors: [String(error?.stack || error)]};
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = 2;
});
