// Turns a core module with hand-written canonical-ABI glue into a component:
// embeds the WIT world (given as a string, since jco's WASI shim has no
// preopen to read a file through) and runs wit-component's `new`.
//
//   node make_component.mjs JCO_API CORE WIT WORLD OUT [ADAPTER]
//
// JCO_API is jco's dist/api.js; ADAPTER, when given, is the WASI preview-1
// adapter module (named wasi_snapshot_preview1, as wit-component expects).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { realpathSync } from "node:fs";

const [jcoApi, core, wit, world, out, adapter] = process.argv.slice(2);
if (!out) {
  console.error("usage: make_component.mjs JCO_API CORE WIT WORLD OUT [ADAPTER]");
  process.exit(2);
}
// Bazel hands over a symlink into the cache; import the real file so its
// own dependencies resolve from the cache's node_modules.
const jco = await import(pathToFileURL(realpathSync(jcoApi)).href);
try {
  const embedded = await jco.componentEmbed({
    binary: readFileSync(core),
    witSource: readFileSync(wit, "utf8"),
    world,
  });
  const adapters = adapter
    ? [["wasi_snapshot_preview1", readFileSync(adapter)]]
    : undefined;
  writeFileSync(out, await jco.componentNew(embedded, adapters));
} catch (e) {
  console.error(`make_component.mjs: ${core} + ${wit} (world ${world}): ${e.message ?? e}`);
  process.exit(1);
}
