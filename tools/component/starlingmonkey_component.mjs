// Turns a JavaScript wasi:http handler and its WIT world into a component
// with componentize-js (SpiderMonkey in StarlingMonkey, snapshotted by
// Wizer). Quiet unless it fails.
//
//   node starlingmonkey_component.mjs API JS WIT WORLD WASI_VERSION OUT DEP.wit...
//
// API is componentize-js's src/componentize.js. Each DEP.wit is a WASI
// package in one file (jco's, at 0.2.12); they are put in a deps/ directory
// beside a copy of WIT with every "@0.2.12" rewritten to WASI_VERSION,
// the version StarlingMonkey's imports and its fetch event's export are
// built for (WIT names that version too). JS is copied there as well:
// Wizer reads it through a WASI preopen, which refuses Bazel's symlinks
// out of the sandbox.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const [api, js, wit, world, wasiVersion, out, ...deps] = process.argv.slice(2);
if (!out) {
  console.error("usage: starlingmonkey_component.mjs API JS WIT WORLD WASI_VERSION OUT DEP.wit...");
  process.exit(2);
}
// Bazel hands over a symlink into the cache; import the real file so its
// own dependencies (Wizer, weval, jco) resolve from the cache.
const { componentize } = await import(pathToFileURL(realpathSync(api)).href);
const witDir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "starlingmonkey."));
try {
  mkdirSync(join(witDir, "deps"));
  copyFileSync(wit, join(witDir, basename(wit)));
  const source = join(witDir, basename(js));
  copyFileSync(js, source);
  for (const dep of deps) {
    writeFileSync(join(witDir, "deps", basename(dep)),
                  readFileSync(dep, "utf8").replaceAll("@0.2.12", `@${wasiVersion}`));
  }
  const { component } = await componentize({
    sourcePath: source,
    witPath: witDir,
    worldName: world,
  });
  writeFileSync(out, component);
} catch (e) {
  console.error(`starlingmonkey_component.mjs: ${js} + ${wit} (world ${world}): ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  rmSync(witDir, { recursive: true, force: true });
}
