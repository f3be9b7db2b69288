// A client in another language, typed from the node's OpenAPI document only:
// `openapi-typescript <node>/openapi.json -o src/api.d.ts` writes the types this file imports.
// It builds an assets/transfer, signs it (Ed25519 over "metrobloc/tx/v1\0" + JCS(body), the
// wire format of docs/spec/transactions.md) and submits it, waiting for the receipt.
//
//   node dist/transfer.js NODE_URL SENDER_ADDRESS SECRET_KEY_HEX ASSET TO AMOUNT

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

import type { components } from "./api.js";

type Tx = components["schemas"]["Tx"];
type TxBody = components["schemas"]["TxBody"];
type Transfer = components["schemas"]["msg.assets.transfer"];

ed.hashes.sha512 = sha512;
// RFC 8785 (JCS); the package is CommonJS, loaded as such from this ES module.
const canonicalize = createRequire(import.meta.url)("canonicalize") as (input: unknown) => string | undefined;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "hex"));
}

async function submit(node: string, tx: Tx): Promise<unknown> {
  const response = await fetch(`${node}/v1/txs?wait=true`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(tx),
  });
  const answer: unknown = await response.json();
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

async function main(): Promise<void> {
  const [node, sender, secretHex, asset, to, amount] = process.argv.slice(2);
  if (!node || !sender || !secretHex || !asset || !to || !amount) throw new Error("usage: see the file's header");
  const status = (await (await fetch(`${node}/v1/status`)).json()) as { chain_id: string; height: number };
  const secret = hex(secretHex);
  const msg: Transfer = { type: "assets/transfer", asset, to, amount };
  const body: TxBody = {
    chain_id: status.chain_id,
    nonce: b64url(randomBytes(16)),
    valid_until: status.height + 100,
    signers: [sender],
    msgs: [msg],
    memo: "",
  };
  const prefix = new TextEncoder().encode("metrobloc/tx/v1\0");
  const canonical = new TextEncoder().encode(canonicalize(body) ?? "");
  const signBytes = new Uint8Array([...prefix, ...canonical]);
  const tx: Tx = {
    body,
    signatures: [
      { public_key: b64url(ed.getPublicKey(secret)), signature: b64url(ed.sign(signBytes, secret)) },
    ],
  };
  console.log(JSON.stringify(await submit(node, tx)));
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
