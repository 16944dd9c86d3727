// Runs the C component guests under jco's transpiled JavaScript (V8 through
// Node.js, jco's own canonical ABI): a check of the generated C bindings
// against an independent host, until wasmhost's component runtime runs them
// itself. Each export is called with known arguments and its result, and
// the host functions' arguments, compared with what the guest's source
// says.
//
//   node smoke_components.mjs JCO_API COMPONENT.wasm...
//
// The components are found by name (scalars.wasm, strings.wasm, types.wasm,
// resource.wasm; others are ignored). Prints "N passed, M failed" and exits
// 1 on any failure.
import { mkdtempSync, readFileSync, realpathSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual, inspect } from "node:util";

const [jcoApi, ...wasms] = process.argv.slice(2);
const named = (name) => wasms.find((w) => basename(w) === `${name}.wasm`);
const [scalars, strings, types, resource] =
  ["scalars", "strings", "types", "resource"].map(named);
if (!jcoApi || !scalars || !strings || !types || !resource) {
  console.error("usage: smoke_components.mjs JCO_API COMPONENT.wasm...");
  process.exit(2);
}
const jco = await import(pathToFileURL(realpathSync(jcoApi)).href);
const dir = mkdtempSync(join(tmpdir(), "smoke-"));
let passed = 0;
let failed = 0;

function check(what, got, want) {
  if (isDeepStrictEqual(got, want)) {
    ++passed;
  } else {
    ++failed;
    console.error(`FAIL ${what}: got ${inspect(got)}, want ${inspect(want)}`);
  }
}

function throws(what, f, message) {
  try {
    f();
    check(what, "no error", message);
  } catch (e) {
    check(what, "payload" in e ? e.payload : e.message, message);
  }
}

// Transpiles a component for instantiation with an import object (a
// world-level function is `{ default: f }`).
async function load(name, path, imports) {
  const { files } = await jco.transpile(readFileSync(path), {
    name,
    instantiation: { tag: "async" },
  });
  for (const [file, bytes] of Object.entries(files)) {
    const out = join(dir, name, file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
  }
  const mod = await import(pathToFileURL(join(dir, name, `${name}.js`)).href);
  return mod.instantiate(
    async (core) => WebAssembly.compile(readFileSync(join(dir, name, core))),
    imports,
  );
}

{
  const logged = [];
  const s = await load("scalars", scalars, {
    "host-log": { default: (level, code) => logged.push([level, code]) },
  });
  check("add", s.math.add(2, 3), 5);
  check("mul-wide", s.math.mulWide(2n ** 40n, 3n), 3n * 2n ** 40n);
  check("scale", s.math.scale(1.5, 2), 3);
  check("negate", s.math.negate(true), false);
  check("next-char", s.math.nextChar("a"), "b");
  check("narrow", s.math.narrow(200, -2, 60000, -4, 4000000000, -6n), 4000060188n);
  check("answer", s.answer(), 42);
  check("host-log", logged, [[1, -42n]]);
}

{
  const logged = [];
  const s = await load("strings", strings, {
    log: { default: (msg) => logged.push(msg) },
    fetch: { default: (key) => new Uint8Array(key.length + 2) },
  });
  check("upper", s.text.upper("abc-é"), "ABC-é");
  check("split", s.text.split("a,bc,", ","), ["a", "bc", ""]);
  check("join", s.text.join(["x", "y", "z"], "--"), "x--y--z");
  check("sum", s.text.sum(new Float64Array([1.5, 2.5, -1])), 3);
  check("iota", s.text.iota(4), new Uint8Array([0, 1, 2, 3]));
  check("greet", s.greet("bob"), "hello, bob (5 bytes fetched)");
  check("log", logged, ["bob"]);
}

{
  const seen = [];
  const t = await load("types", types, {
    validate: {
      default: (p) => {
        seen.push(p);
        if (p.x < 0) throw "negative";
        return p;
      },
    },
  });
  check("area circle", Math.round(t.shapes.area({ tag: "circle", val: 2 }) * 1000), 12566);
  check("area rect", t.shapes.area({ tag: "rect", val: { x: 2, y: 3 } }), 6);
  check("area rect rejected", t.shapes.area({ tag: "rect", val: { x: -2, y: 3 } }), -1);
  check("area empty", t.shapes.area({ tag: "empty" }), 0);
  check("validate", seen, [{ x: 2, y: 3 }, { x: -2, y: 3 }]);
  check("mix", t.shapes.mix("green", "blue"), "red");
  check("grant", t.shapes.grant({ read: true, write: false, exec: false },
                                { read: false, write: false, exec: true }),
        { read: true, write: false, exec: true });
  const items = [
    { name: "a", color: "red", perms: { read: true, write: false, exec: false }, origin: undefined },
    { name: "b", color: "blue", perms: { read: false, write: true, exec: false }, origin: { x: 1, y: -1 } },
  ];
  check("find", t.shapes.find(items, "b"), items[1]);
  check("find none", t.shapes.find(items, "c"), undefined);
  check("divide", t.shapes.divide(7, 2), 3);
  throws("divide by zero", () => t.shapes.divide(1, 0), "division by zero");
  check("swap", t.shapes.swap([7, 2.5]), [2.5, 7]);
  check("check even", t.shapes.check(2), undefined);
  throws("check odd", () => t.shapes.check(3), undefined);
}

{
  class Blob {
    constructor(init) {
      this.bytes = init;
    }
    size() {
      return this.bytes.length;
    }
  }
  const r = await load("res", resource, { "demo:res/host": { Blob } });
  const { Counter, take } = r.counters;
  const a = new Counter(5);
  check("inc", a.inc(2), 7);
  check("add-blob", a.addBlob(new Blob(new Uint8Array(3))), 10);
  const b = new Counter(1);
  const m = Counter.merge(a, b);
  check("merge", m.inc(0), 13);
  check("take", take(m), 13);
  throws("taken", () => m.inc(1), 'Resource error: Not a valid "Counter" resource.');
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
