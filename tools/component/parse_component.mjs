// Turns a component in the text format into a binary with jco's `parse`
// (wasm-tools' text parser), for test fixtures written in component WAT.
//
//   node parse_component.mjs JCO_API IN.wat OUT.wasm
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [jcoApi, input, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: parse_component.mjs JCO_API IN.wat OUT.wasm");
  process.exit(2);
}
// Bazel hands over a symlink into the cache; import the real file so its
// own dependencies resolve from the cache's node_modules.
const jco = await import(pathToFileURL(realpathSync(jcoApi)).href);
try {
  writeFileSync(out, await jco.parse(readFileSync(input, "utf8")));
} catch (e) {
  console.error(`parse_component.mjs: ${input}: ${e.message ?? e}`);
  process.exit(1);
}
