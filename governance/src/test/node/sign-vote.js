#!/usr/bin/env node
// Signs a governance Vote with ethers.js's signTypedData (what a browser wallet does), for GovernanceFlowTest.
// Input: one JSON argument {key, domain: {name, version, chainId, verifyingContract}, vote: {proposalId, support, reason, nonce}};
// output: the 0x signature on one line.
"use strict";
const path = require("path");
const { ethers } = require(path.resolve(__dirname, "..", "..", "..", "..", "tools", "node_modules", "ethers"));

const VOTE_TYPES = {
  Vote: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "reason", type: "string" },
    { name: "nonce", type: "uint256" },
  ],
};

async function main() {
  const input = JSON.parse(process.argv[2]);
  const wallet = new ethers.Wallet(input.key);
  process.stdout.write(await wallet.signTypedData(input.domain, VOTE_TYPES, input.vote) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
