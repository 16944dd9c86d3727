// rust_hello: a WASI command in Rust, built from this one file by Debian's
// rustc 1.63 (tools/rust_guests.bzl), using Rust's std over WASI: args,
// environment, files in preopens, stdout and stderr, and an exit code.
//
//   rust_hello NAME [FILE...]
//
// Prints "hello from Rust, NAME", then "GREETING=..." with the GREETING
// environment variable or "GREETING is not set", then one line per FILE
// read with std::fs: "FILE: N bytes, first line: LINE" or, when it could
// not be read, "FILE: error: ERROR" (std::io::Error's text, e.g. for a path
// outside every preopen). Exits with std::process::exit and the number of
// FILEs that could not be read (0 when all were); with no NAME prints a
// usage line to stderr and exits 2.

use std::env;
use std::fs;
use std::io::{self, Write};
use std::process;

fn describe(path: &str) -> (String, bool) {
    match fs::read_to_string(path) {
        Ok(text) => {
            let first = text.lines().next().unwrap_or("");
            (format!("{}: {} bytes, first line: {}", path, text.len(), first), true)
        }
        Err(error) => (format!("{}: error: {}", path, error), false),
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: rust_hello NAME [FILE...]");
        process::exit(2);
    }

    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "hello from Rust, {}", args[1]).unwrap();
    match env::var("GREETING") {
        Ok(greeting) => writeln!(out, "GREETING={}", greeting).unwrap(),
        Err(_) => writeln!(out, "GREETING is not set").unwrap(),
    }

    let mut failed = 0;
    for path in &args[2..] {
        let (line, ok) = describe(path);
        writeln!(out, "{}", line).unwrap();
        if !ok {
            failed += 1;
        }
    }
    // process::exit skips destructors: flush what is buffered first.
    out.flush().unwrap();
    process::exit(failed);
}
