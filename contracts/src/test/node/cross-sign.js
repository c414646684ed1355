#!/usr/bin/env node
// Cross-implementation check, run by CrossImplementationTest: ethers.js (an independent EIP-712
// implementation) signs a voucher and a vote, and recovers the signers of the ones Java made.
// Input: one JSON argument; output: one JSON line.
"use strict";
const path = require("path");
const { ethers } = require(path.resolve(__dirname, "..", "..", "..", "..", "tools", "node_modules", "ethers"));

const VOUCHER_TYPES = {
  Voucher: [
    { name: "consumer", type: "address" },
    { name: "provider", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "receiptsRoot", type: "bytes32" },
  ],
};
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
  const wallet = new ethers.Wallet(input.ethersKey);
  const escrowDomain = { name: "Agora Escrow", version: "1", chainId: input.chainId, verifyingContract: input.escrow };
  const governanceDomain = { name: "Agora Governance", version: "1", chainId: input.chainId, verifyingContract: input.token };
  const voucher = input.ethersVoucher;
  const vote = input.ethersVote;
  const out = {
    ethersSigner: wallet.address,
    voucherDigest: ethers.TypedDataEncoder.hash(escrowDomain, VOUCHER_TYPES, voucher),
    voucherSignature: await wallet.signTypedData(escrowDomain, VOUCHER_TYPES, voucher),
    voteDigest: ethers.TypedDataEncoder.hash(governanceDomain, VOTE_TYPES, vote),
    voteSignature: await wallet.signTypedData(governanceDomain, VOTE_TYPES, vote),
    javaVoucherSigner: ethers.verifyTypedData(escrowDomain, VOUCHER_TYPES, input.javaVoucher, input.javaVoucherSignature),
    javaVoteSigner: ethers.verifyTypedData(governanceDomain, VOTE_TYPES, input.javaVote, input.javaVoteSignature),
  };
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
