// Splits Component Model .wast scripts into a manifest the spec runner
// executes: the binary of every component definition, expected valid, and
// of every assert_invalid / assert_malformed component, expected rejected;
// and every invoke, assert_return and assert_trap, with the binary of the
// component they call (the last one before them) and their values.
// Text is turned into binary by jco's `parse` (wasm-tools' text parser).
// Everything else (quoted text, text jco cannot encode, invocations of
// named instances) is listed as unsupported, with why.
//
//   node wast_split.mjs JCO_API OUT_DIR FILE.wast...
//
// Writes OUT_DIR/<n>.wasm and OUT_DIR/manifest.txt, one command a line:
//   <wast>:<line> <valid|invalid|malformed|unsupported> <n.wasm|-> <note>
//   <wast>:<line> <invoke|return|trap> <n.wasm> <NAME> (<ARG>...) (<RES>...)
//   <wast>:<line> instance <n.wasm>@<line> -
// (an invoke's binary is "<n.wasm>@<line>" after a (component instance)
// of a definition: the instance made on that line)
// where the invocation's values are s-expressions with every string
// written as #<hex of its bytes> (so each fits one line and needs no
// unescaping), and for trap (<RES>...) holds the expected message.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [jcoApi, outDir, ...wasts] = process.argv.slice(2);
if (!outDir || wasts.length === 0) {
  console.error("usage: wast_split.mjs JCO_API OUT_DIR FILE.wast...");
  process.exit(2);
}
const jco = await import(pathToFileURL(realpathSync(jcoApi)).href);

// --- A small s-expression reader that keeps source offsets -------------

function parseForms(src) {
  let i = 0;
  const skipSpace = () => {
    for (;;) {
      if (i >= src.length) return;
      const c = src[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") {
        i++;
      } else if (src.startsWith(";;", i)) {
        while (i < src.length && src[i] !== "\n") i++;
      } else if (src.startsWith("(;", i)) {
        let depth = 0;
        do {
          if (src.startsWith("(;", i)) depth++, (i += 2);
          else if (src.startsWith(";)", i)) depth--, (i += 2);
          else i++;
        } while (depth > 0 && i < src.length);
      } else {
        return;
      }
    }
  };
  const node = () => {
    skipSpace();
    const start = i;
    if (src[i] === "(") {
      i++;
      const items = [];
      for (;;) {
        skipSpace();
        if (i >= src.length) throw new Error(`unclosed form at ${start}`);
        if (src[i] === ")") {
          i++;
          return { list: items, start, end: i };
        }
        items.push(node());
      }
    }
    if (src[i] === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
      i++;
      return { string: src.slice(start + 1, i - 1), start, end: i };
    }
    while (i < src.length && !/[\s()";]/.test(src[i])) i++;
    return { atom: src.slice(start, i), start, end: i };
  };
  const forms = [];
  for (;;) {
    skipSpace();
    if (i >= src.length) return forms;
    forms.push(node());
  }
}

// The bytes of a WAT string literal.
function stringBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; ) {
    if (s[i] !== "\\") {
      const cp = s.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      out.push(...Buffer.from(ch, "utf8"));
      i += ch.length;
      continue;
    }
    const e = s[i + 1];
    const simple = { t: 9, n: 10, r: 13, '"': 34, "'": 39, "\\": 92 };
    if (e in simple) {
      out.push(simple[e]);
      i += 2;
    } else if (e === "u") {
      const close = s.indexOf("}", i);
      const cp = parseInt(s.slice(i + 3, close).replace(/_/g, ""), 16);
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      i = close + 1;
    } else {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    }
  }
  return out;
}

// --- Commands ------------------------------------------------------------

const hex = (bytes) => Buffer.from(bytes).toString("hex");

// A value form on one line, strings as #<hex>.
function valueText(form) {
  if (form.list) return `(${form.list.map(valueText).join(" ")})`;
  if (form.string !== undefined) return `#${hex(stringBytes(form.string))}`;
  return form.atom;
}

// "<name> (<args>) (<results>)" of an invoke (and what follows it), or
// null when the action is not an invoke of the current component.
function invokeText(action, rest) {
  if (head(action) !== "invoke") return null;
  const items = action.list;
  let k = 1;
  if (items[k]?.atom?.startsWith("$")) return null;  // a named instance
  const name = items[k++]?.string;
  if (name === undefined) return null;
  const args = items.slice(k).map(valueText).join(" ");
  const results = rest.map(valueText).join(" ");
  return `#${hex(stringBytes(name))} (${args}) (${results})`;
}

const head = (form) => form.list?.[0]?.atom;

// The binary of a `(component ...)` form, or { unsupported: why }.
async function encode(form, src) {
  const items = form.list;
  let k = 1;
  let definition = null;
  if (items[k]?.atom === "definition") definition = items[k++];
  if (items[k]?.atom?.startsWith("$")) k++;
  const kind = items[k]?.atom;
  if (kind === "instance") return { unsupported: "component instance" };
  if (kind === "quote") return { unsupported: "quoted text" };
  if (kind === "binary") {
    const bytes = [];
    for (const s of items.slice(k + 1)) bytes.push(...stringBytes(s.string ?? ""));
    return { bytes: Uint8Array.from(bytes) };
  }
  const text = definition
    ? src.slice(form.start, definition.start) + src.slice(definition.end, form.end)
    : src.slice(form.start, form.end);
  try {
    return { bytes: await jco.parse(text) };
  } catch (e) {
    return { unsupported: `jco cannot encode the text (${String(e.message ?? e).split("\n")[0]})` };
  }
}

mkdirSync(outDir, { recursive: true });
const lines = [];
let n = 0;
for (const wast of wasts) {
  const src = readFileSync(wast, "utf8");
  const lineOf = (offset) => src.slice(0, offset).split("\n").length;
  let forms;
  try {
    forms = parseForms(src);
  } catch (e) {
    lines.push(`${wast}:1 unsupported - unreadable script: ${e.message}`);
    continue;
  }
  let current = null;  // The binary the next invoke calls.
  const definitions = new Map();  // $name -> binary of a definition.
  for (const form of forms) {
    const where = `${wast}:${lineOf(form.start)}`;
    const h = head(form);
    let expect;
    let target = form;
    // (component instance $i $Def): a fresh instance of a definition, which
    // later invokes call (the runner keys instances by "<binary>@<line>").
    if (h === "component" && form.list[1]?.atom === "instance") {
      const def = definitions.get(form.list[3]?.atom ?? form.list[2]?.atom);
      if (def === undefined) {
        lines.push(`${where} unsupported - component instance of an unknown definition`);
        current = null;
      } else {
        current = `${def}@${lineOf(form.start)}`;
        lines.push(`${where} instance ${current} -`);
      }
      continue;
    }
    if (h === "invoke" || h === "assert_return" || h === "assert_trap") {
      const action = h === "invoke" ? form : form.list[1];
      const text = invokeText(action ?? {}, h === "invoke" ? [] : form.list.slice(2));
      if (text === null || current === null) {
        lines.push(`${where} unsupported - ${h} without a component to call`);
      } else {
        const kind = { invoke: "invoke", assert_return: "return", assert_trap: "trap" }[h];
        lines.push(`${where} ${kind} ${current} ${text}`);
      }
      continue;
    }
    if (h === "component") {
      expect = "valid";
    } else if (h === "assert_invalid" || h === "assert_malformed") {
      expect = h === "assert_invalid" ? "invalid" : "malformed";
      target = form.list[1];
      if (head(target) !== "component") {
        lines.push(`${where} unsupported - ${h} of a ${head(target) ?? "?"}`);
        continue;
      }
    } else {
      lines.push(`${where} unsupported - ${h ?? "?"}`);
      continue;
    }
    const r = await encode(target, src);
    if (r.unsupported) {
      lines.push(`${where} unsupported - ${r.unsupported}`);
      if (expect === "valid") current = null;
      continue;
    }
    const file = `${n++}.wasm`;
    writeFileSync(`${outDir}/${file}`, r.bytes);
    // A definition is not instantiated: invokes after it have no target
    // until a (component instance ...) of it.
    const isDefinition = target.list?.[1]?.atom === "definition";
    if (isDefinition && target.list[2]?.atom?.startsWith("$")) {
      definitions.set(target.list[2].atom, file);
    }
    if (expect === "valid") current = isDefinition ? null : file;
    const note = expect === "valid" ? "" : (form.list[2]?.string ?? "");
    lines.push(`${where} ${expect} ${file} ${note}`);
  }
}
writeFileSync(`${outDir}/manifest.txt`, lines.join("\n") + "\n");
console.error(`wast_split.mjs: ${lines.length} commands, ${n} binaries`);
