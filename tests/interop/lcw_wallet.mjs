#!/usr/bin/env node
// A holder's wallet that claims credentials as the DCC Learner Credential Wallet does, built only from
// Digital Bazaar's packages (@digitalbazaar/vc, ed25519-signature-2020, ed25519-verification-key-2020,
// did-method-key, ed25519-multikey). None of the project's Python code runs here.
//
// The protocol is LCW's (learner-credential-wallet app/lib/exchanges.ts, handleVcApiExchangeComplete, and
// app/lib/present.ts): POST {} to the exchange; when the answer holds a verifiablePresentationRequest
// whose query is DIDAuthentication, vc.createPresentation({holder}) and vc.signPresentation({presentation,
// challenge, domain, suite: Ed25519Signature2020}) with the wallet's did:key, POST
// {verifiablePresentation} to interact.service[0].serviceEndpoint (or the same URL), at most 10 rounds.
// The interaction URL (VCALM, ?iuv=1) is read first with Accept: application/json for its protocols.vcapi.
//
// Usage (prints one JSON object on stdout):
// Every command takes --vc-version 1.0 or 2.0 (default, @digitalbazaar/vc's) for the presentation's context.
//   node lcw_wallet.mjs claim --url INTERACTION_URL --seed HEX64
//       {did, protocols, requests: [...], response}: the last response is the exchange's final answer.
//   node lcw_wallet.mjs present --seed HEX64 --challenge C [--domain D] [--holder DID]
//       a signed DIDAuthentication presentation (Ed25519Signature2020); --holder names another holder.
//   node lcw_wallet.mjs lcw-request --url VC_REQUEST_URL --challenge C --seed HEX64
//       LCW's legacy request link (auth_type=bearer): the presentation signed for the link's challenge,
//       POSTed to vc_request_url, as app/lib/credentialRequest.ts requestCredential does.
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didMethodKey from '@digitalbazaar/did-method-key';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXT_DIR = join(resolve(HERE, '..', '..'), 'vc', 'contexts');
const MAX_INTERACTIONS = 10;

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const args = {command};
  for(let i = 0; i < rest.length; i += 2) {
    if(!rest[i].startsWith('--')) {
      throw new Error(`unexpected argument ${rest[i]}`);
    }
    args[rest[i].slice(2)] = rest[i + 1];
  }
  return args;
}

function seedBytes(hex) {
  if(!/^[0-9a-fA-F]{64}$/.test(hex || '')) {
    throw new Error('--seed must be 64 hex digits (32 bytes)');
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function documentLoader() {
  // Offline: the project's bundled contexts and did:key documents built locally.
  const index = JSON.parse(readFileSync(join(CONTEXT_DIR, 'index.json'), 'utf8'));
  const driver = didMethodKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  return async url => {
    if(index[url]) {
      const document = JSON.parse(readFileSync(join(CONTEXT_DIR, index[url]), 'utf8'));
      return {contextUrl: null, documentUrl: url, document};
    }
    if(url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await driver.get({url})};
    }
    throw new Error(`offline document loader: no bundled document for "${url}"`);
  };
}

// The wallet's did:key and its Ed25519VerificationKey2020 key pair (what LCW keeps in its DID record).
async function walletKey(seedHex) {
  const seed = seedBytes(seedHex);
  const publicOnly = await Ed25519Multikey.generate({seed});
  const driver = didMethodKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  const {didDocument, methodFor} = await driver.fromKeyPair({verificationKeyPair: publicOnly});
  const {id} = methodFor({purpose: 'authentication'});
  const key = await Ed25519VerificationKey2020.generate({seed, id, controller: didDocument.id});
  return {did: didDocument.id, key};
}

// app/lib/exchanges.ts constructExchangeRequest (and present.ts createVerifiablePresentation).
async function signedPresentation({seed, challenge, domain, holder, version}) {
  const {did, key} = await walletKey(seed);
  const suite = new Ed25519Signature2020({key});
  const presentation = vc.createPresentation({holder: holder || did, version: Number(version || 2.0)});
  const options = {presentation, challenge, suite, documentLoader: documentLoader()};
  if(domain !== undefined) {
    options.domain = domain;
  }
  return {did, presentation: await vc.signPresentation(options)};
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body, null, 2)
  });
  return {status: response.status, body: await response.json()};
}

async function commandClaim(args) {
  const {did} = await walletKey(args.seed);
  const interaction = await fetch(args.url, {headers: {Accept: 'application/json'}});
  const {protocols} = await interaction.json();
  let url = protocols.vcapi;
  let request = {};
  const requests = [];
  for(let interactions = 0; interactions < MAX_INTERACTIONS; ++interactions) {
    const response = await postJson(url, request);
    requests.push({url, request, status: response.status});
    const vpr = response.body.verifiablePresentationRequest;
    if(!vpr) {
      return {did, protocols, requests, response};
    }
    const queries = Array.isArray(vpr.query) ? vpr.query : [vpr.query];
    const didAuth = queries.some(query => ['DIDAuthentication', 'DIDAuth'].includes(query.type));
    if(!didAuth) {
      throw new Error(`the exchange asked for something this wallet cannot give: ${JSON.stringify(vpr)}`);
    }
    const {presentation} = await signedPresentation({
      seed: args.seed, challenge: vpr.challenge, domain: vpr.domain, version: args['vc-version']
    });
    request = {verifiablePresentation: presentation};
    url = vpr.interact?.service?.[0]?.serviceEndpoint ?? url;
  }
  throw new Error(`Request timed out after ${MAX_INTERACTIONS} interactions`);
}

async function commandPresent(args) {
  const {presentation} = await signedPresentation({
    seed: args.seed, challenge: args.challenge, domain: args.domain, holder: args.holder,
    version: args['vc-version']
  });
  return presentation;
}

async function commandLcwRequest(args) {
  const {did, presentation} = await signedPresentation({
    seed: args.seed, challenge: args.challenge, version: args['vc-version']
  });
  const response = await postJson(args.url, presentation);
  return {did, response};
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const commands = {claim: commandClaim, present: commandPresent, 'lcw-request': commandLcwRequest};
  const command = commands[args.command];
  if(!command) {
    throw new Error('usage: lcw_wallet.mjs claim --url URL --seed HEX64 | present --seed HEX64 ' +
      '--challenge C [--domain D] [--holder DID] | lcw-request --url URL --challenge C --seed HEX64');
  }
  process.stdout.write(JSON.stringify(await command(args), null, 2) + '\n');
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: String(error?.stack || error)}) + '\n');
  process.exitCode = 2;
});
