// A command (cli.wit) in plain JavaScript on WASI 0.2's own interfaces:
// QuickJS has no console, TextEncoder or file API here, so it writes and
// reads through wasi:cli's streams and wasi:filesystem's descriptors.
//
//   js_cli NAME [FILE...]
//
// stdout: "hello from JavaScript, NAME", "GREETING=..." (or "GREETING is
// not set"), "stdin: B bytes, L lines", then "FILE: B bytes, first line:
// ..." for each file that could be read; stderr: "js_cli: FILE: <error>"
// for each that could not. A thrown value is run's err (exit status 1).

import environment from "wasi:cli/environment@0.2.12";
import stdin from "wasi:cli/stdin@0.2.12";
import stdout from "wasi:cli/stdout@0.2.12";
import stderr from "wasi:cli/stderr@0.2.12";
import preopens from "wasi:filesystem/preopens@0.2.12";

// WASI lets a blocking write carry at most 4096 bytes.
const MAX_WRITE = 4096;

// UTF-8 through the URI functions, the only codec QuickJS offers here.
function toUtf8(text) {
  return Uint8Array.from(unescape(encodeURIComponent(text)), (c) => c.charCodeAt(0));
}

function fromUtf8(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += MAX_WRITE) {
    binary += String.fromCharCode(...bytes.subarray(i, i + MAX_WRITE));
  }
  try {
    return decodeURIComponent(escape(binary));
  } catch {
    throw new Error("not UTF-8");
  }
}

function writeAll(stream, text) {
  const bytes = toUtf8(text);
  for (let i = 0; i < bytes.length; i += MAX_WRITE) {
    stream.blockingWriteAndFlush(bytes.subarray(i, i + MAX_WRITE));
  }
}

function concat(chunks) {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

// Everything on stdin: a read past the end throws the stream error
// `closed`.
function readStdin() {
  const input = stdin.getStdin();
  const chunks = [];
  for (;;) {
    try {
      chunks.push(input.blockingRead(65536));
    } catch (e) {
      if (e.payload?.tag === "closed") break;
      throw e;
    }
  }
  input[Symbol.dispose]();
  return concat(chunks);
}

// The preopen a guest path lies in and the path relative to it; the host
// resolves that beneath the directory, so "../" and absolute parts fail
// there, not here.
function locate(dirs, path) {
  for (const [dir, name] of dirs) {
    if (name === "." && !path.startsWith("/")) return [dir, path];
    if (path.startsWith(`${name}/`)) return [dir, path.slice(name.length + 1)];
  }
  throw new Error("no preopen holds it");
}

function readFile(dirs, path) {
  const [dir, relative] = locate(dirs, path);
  const file = dir.openAt({ symlinkFollow: true }, relative, {}, { read: true });
  const chunks = [];
  let offset = 0;
  for (;;) {
    const [chunk, end] = file.read(65536, offset);
    if (chunk.length === 0 || end) {
      chunks.push(chunk);
      break;
    }
    chunks.push(chunk);
    offset += chunk.length;
  }
  file[Symbol.dispose]();
  return concat(chunks);
}

// A WASI error-code (an enum: the message) or a stream error (a variant:
// the payload's tag), or one of ours.
function describeError(e) {
  return e.payload?.tag ?? e.message ?? String(e);
}

function main() {
  const out = stdout.getStdout();
  const err = stderr.getStderr();
  const args = environment.getArguments();
  if (args.length < 2) {
    writeAll(err, "usage: js_cli NAME [FILE...]\n");
    throw "usage";
  }
  const env = new Map(environment.getEnvironment());
  const lines = [`hello from JavaScript, ${args[1]}`];
  lines.push(env.has("GREETING") ? `GREETING=${env.get("GREETING")}` : "GREETING is not set");
  const input = readStdin();
  const newlines = input.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
  lines.push(`stdin: ${input.length} bytes, ${newlines} lines`);
  writeAll(out, lines.map((l) => `${l}\n`).join(""));

  const dirs = args.length > 2 ? preopens.getDirectories() : [];
  let failed = 0;
  for (const path of args.slice(2)) {
    try {
      const bytes = readFile(dirs, path);
      const first = fromUtf8(bytes).split("\n", 1)[0];
      writeAll(out, `${path}: ${bytes.length} bytes, first line: ${first}\n`);
    } catch (e) {
      writeAll(err, `js_cli: ${path}: ${describeError(e)}\n`);
      failed++;
    }
  }
  if (failed > 0) throw `${failed} files not read`;
}

export const run = { run: main };
