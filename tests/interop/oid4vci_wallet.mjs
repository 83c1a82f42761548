#!/usr/bin/env node
// An independent OID4VCI 1.0 wallet: the pre-authorized code flow run by Animo's @openid4vc/openid4vci
// client (pinned in package.json), with the wallet's did:key from Digital Bazaar's packages. None of the
// project's Python code runs here.
//
// Usage (prints one JSON object on stdout):
//   node oid4vci_wallet.mjs claim --offer OFFER_LINK --seed HEX64 [--pin PIN] [--proof jwt|di_vp]
//                                 [--configuration ID]
//       resolves the offer (by reference), the issuer's and authorization server's metadata, trades the
//       pre-authorized code (with the PIN as tx_code), asks the nonce endpoint for a c_nonce, and requests
//       the credential with a `jwt` proof (typ openid4vci-proof+jwt, kid = the did:key) or a `di_vp` proof
//       (an Ed25519Signature2020 presentation, challenge = c_nonce, domain = the credential issuer).
//       Output {did, credentialOffer, configuration, credentials} or {error, status, body}.
import {createHash, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import {clientAuthenticationAnonymous, setGlobalConfig} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didMethodKey from '@digitalbazaar/did-method-key';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXT_DIR = join(resolve(HERE, '..', '..'), 'vc', 'contexts');

// The portal under test is served over http on 127.0.0.1.
setGlobalConfig({allowInsecureUrls: true});

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const args = {command};
  for(let i = 0; i < rest.length; i += 2) {
    args[rest[i].replace(/^--/, '')] = rest[i + 1];
  }
  return args;
}

function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

function didKeyDriver() {
  const driver = didMethodKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  return driver;
}

async function walletKey(seedHex) {
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const publicOnly = await Ed25519Multikey.generate({seed});
  const {didDocument, methodFor} = await didKeyDriver().fromKeyPair({verificationKeyPair: publicOnly});
  const {id} = methodFor({purpose: 'authentication'});
  const key = await Ed25519VerificationKey2020.generate({seed, id, controller: didDocument.id});
  const multikey = await Ed25519Multikey.generate({seed, id, controller: didDocument.id});
  const jwk = await Ed25519Multikey.toJwk({keyPair: multikey});
  return {did: didDocument.id, verificationMethod: id, key, jwk};
}

function documentLoader() {
  const index = JSON.parse(readFileSync(join(CONTEXT_DIR, 'index.json'), 'utf8'));
  const driver = didKeyDriver();
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

function callbacksFor(wallet) {
  return {
    fetch,
    hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
    generateRandom: byteLength => new Uint8Array(randomBytes(byteLength)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = await wallet.key.signer().sign({data: new TextEncoder().encode(input)});
      return {jwt: `${input}.${b64url(signature)}`, signerJwk: wallet.jwk};
    }
  };
}

async function commandClaim(args) {
  const wallet = await walletKey(args.seed);
  const client = new Openid4vciClient({callbacks: callbacksFor(wallet)});
  const credentialOffer = await client.resolveCredentialOffer(args.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, ...(args.pin ? {txCode: args.pin} : {})
  });
  const configuration = args.configuration || credentialOffer.credential_configuration_ids[0];
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  let proofs;
  if((args.proof || 'jwt') === 'jwt') {
    const {jwt} = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configuration,
      signer: {method: 'did', didUrl: wallet.verificationMethod, alg: 'EdDSA'},
      nonce
    });
    proofs = {jwt: [jwt]};
  } else {
    const presentation = await vc.signPresentation({
      presentation: vc.createPresentation({holder: wallet.did}),
      suite: new Ed25519Signature2020({key: wallet.key}),
      challenge: nonce,
      domain: credentialOffer.credential_issuer,
      documentLoader: documentLoader()
    });
    proofs = {di_vp: [presentation]};
  }
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configuration,
    proofs
  });
  return {
    did: wallet.did,
    credentialOffer,
    configuration,
    credentials: response.credentialResponse.credentials.map(item => item.credential)
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if(args.command !== 'claim') {
    throw new Error('usage: oid4vci_wallet.mjs claim --offer LINK --seed HEX64 [--pin PIN] [--proof jwt|di_vp]');
  }
  process.stdout.write(JSON.stringify(await commandClaim(args), null, 2) + '\n');
}

main().catch(error => {
  const out = {error: String(error?.stack || error)};
  for(const field of ['response', 'errorResponse', 'credentialErrorResponseResult']) {
    if(error?.[field]) {
      out[field] = error[field].status ?? error[field];
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = 2;
});
