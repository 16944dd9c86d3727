// Turns a JavaScript guest and its WIT world into a component with
// componentize-qjs (QuickJS, the JS state snapshotted by Wizer at build
// time). Quiet unless it fails, unlike componentize-qjs's command line.
//
//   node componentize_js.mjs QJS_INDEX JS WIT WORLD OUT
//
// QJS_INDEX is componentize-qjs's index.js. The synchronous runtime is used:
// its components need no component-model async built-ins, which the
// runtime does not implement.
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const [qjsIndex, js, wit, world, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: componentize_js.mjs QJS_INDEX JS WIT WORLD OUT");
  process.exit(2);
}
// Bazel hands over a symlink into the cache; load the real file so its
// native binding resolves from the cache's node_modules.
const { componentize } = createRequire(import.meta.url)(realpathSync(qjsIndex));
try {
  const { component } = await componentize({
    witPath: wit,
    jsSource: readFileSync(js, "utf8"),
    jsPath: js,
    world,
    sync: true,
  });
  writeFileSync(out, component);
} catch (e) {
  console.error(`componentize_js.mjs: ${js} + ${wit} (world ${world}): ${e.message ?? e}`);
  process.exit(1);
}
