#!/usr/bin/env node
// Compiles the contracts with solc-js (standard JSON) against OpenZeppelin from ../tools/node_modules and
// writes <Name>.abi / <Name>.bin for each contract:
//   src/*.sol                 -> src/main/solidity-out/   (committed; the Java build needs no Node.js)
//   src/test/solidity/*.sol   -> src/test/solidity-out/   (test doubles, committed too)
// Usage: node compile.js           write the outputs
//        node compile.js --check   compile and compare with the committed outputs; exit 1 on any difference
"use strict";
const fs = require("fs");
const path = require("path");

const here = __dirname;
const nodeModules = path.resolve(here, "..", "tools", "node_modules");
const solc = require(path.join(nodeModules, "solc"));

const SETTINGS = {
  optimizer: { enabled: true, runs: 10000 },
  evmVersion: "cancun",
  viaIR: true,
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
};

const groups = [
  { dir: path.join(here, "src"), unitPrefix: "", out: path.join(here, "src", "main", "solidity-out") },
  { dir: path.join(here, "src", "test", "solidity"), unitPrefix: "test/solidity/", out: path.join(here, "src", "test", "solidity-out") },
];

function sources() {
  const result = {};
  for (const group of groups) {
    for (const file of fs.readdirSync(group.dir).filter((f) => f.endsWith(".sol")).sort()) {
      result[group.unitPrefix + file] = { content: fs.readFileSync(path.join(group.dir, file), "utf8") };
    }
  }
  return result;
}

function findImports(unit) {
  const candidates = [path.join(nodeModules, unit), path.join(here, "src", unit)];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) {
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
  }
  return { error: "not found: " + unit };
}

function compile() {
  const input = { language: "Solidity", sources: sources(), settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  // Our own sources compile without warnings; OpenZeppelin's notes (e.g. on transient storage) are expected.
  const problems = (output.errors || []).filter(
    (p) => p.severity === "error" || !(p.sourceLocation && p.sourceLocation.file.startsWith("@openzeppelin/")));
  for (const problem of problems) {
    process.stderr.write(problem.formattedMessage + "\n");
  }
  if (problems.length > 0) {
    process.exit(2);
  }
  const files = {};
  for (const group of groups) {
    for (const [unit, contracts] of Object.entries(output.contracts)) {
      const inGroup = unit.startsWith(group.unitPrefix) && !unit.slice(group.unitPrefix.length).includes("/");
      if (!inGroup) {
        continue;
      }
      for (const [name, contract] of Object.entries(contracts)) {
        files[path.join(group.out, name + ".abi")] = JSON.stringify(contract.abi, null, 2) + "\n";
        // no trailing newline: web3j codegen copies the file verbatim into the wrapper's BINARY
        files[path.join(group.out, name + ".bin")] = contract.evm.bytecode.object;
      }
    }
  }
  return files;
}

const files = compile();
if (process.argv.includes("--check")) {
  const differing = Object.entries(files)
    .filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text)
    .map(([file]) => path.relative(here, file));
  for (const group of groups) {
    for (const file of fs.existsSync(group.out) ? fs.readdirSync(group.out) : []) {
      if (!(path.join(group.out, file) in files)) {
        differing.push(path.relative(here, path.join(group.out, file)) + " (no longer produced)");
      }
    }
  }
  if (differing.length > 0) {
    console.error("committed ABI/BIN differ from a fresh compile (run `node contracts/compile.js`):\n  " + differing.join("\n  "));
    process.exit(1);
  }
  console.log("committed ABI/BIN match a fresh compile with solc " + solc.version());
} else {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  console.log("wrote " + Object.keys(files).length + " files with solc " + solc.version());
}
