// Turns a JavaScript guest and its WIT world into a component with
// componentize-qjs (QuickJS, the JS state snapshotted by Wizer at build
// time). Quiet unless it fails, unlike componentize-qjs's command line.
//
//   node componentize_js.mjs QJS_INDEX JS WIT WORLD OUT [DEP.wit...]
//
// QJS_INDEX is componentize-qjs's index.js. Each DEP.wit is a WIT package
// in one file that WIT's world uses (the WASI packages); they are put in a
// deps/ directory beside a copy of WIT, as wit-parser resolves a directory.
// The synchronous runtime is used: its components need no component-model
// async built-ins, which the runtime does not implement.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const [qjsIndex, js, wit, world, out, ...deps] = process.argv.slice(2);
if (!out) {
  console.error("usage: componentize_js.mjs QJS_INDEX JS WIT WORLD OUT [DEP.wit...]");
  process.exit(2);
}
// Bazel hands over a symlink into the cache; load the real file so its
// native binding resolves from the cache's node_modules.
const { componentize } = createRequire(import.meta.url)(realpathSync(qjsIndex));
let witPath = wit;
let witDir;
if (deps.length > 0) {
  witDir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "componentize_js."));
  mkdirSync(join(witDir, "deps"));
  copyFileSync(wit, join(witDir, basename(wit)));
  for (const dep of deps) copyFileSync(dep, join(witDir, "deps", basename(dep)));
  witPath = witDir;
}
try {
  const { component } = await componentize({
    witPath,
    jsSource: readFileSync(js, "utf8"),
    jsPath: js,
    world,
    sync: true,
  });
  writeFileSync(out, component);
} catch (e) {
  console.error(`componentize_js.mjs: ${js} + ${wit} (world ${world}): ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  if (witDir) rmSync(witDir, { recursive: true, force: true });
}
