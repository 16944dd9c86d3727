"""rust_guests: compile single-file Rust programs to wasm32-wasi and embed them.

    load("//tools:rust_guests.bzl", "rust_guests")

    rust_guests(
        name = "rust_guests",
        srcs = ["rust_hello.rs"],              # commands (fn main)
        namespace = "wasmhost::guests",
    )

    cc_test(..., deps = ["//guests:rust_guests"])

gives `#include "<package>/rust_guests.h"` declaring, in `namespace`,
`absl::Span<const uint8_t> rust_hello_wasm();` (the file's stem, with
characters other than [A-Za-z0-9_] turned into '_'). The .wasm files are in
the filegroup `rust_guests_files`, named `<name>/<stem>.wasm`, as for
c_guests.

Each source is a whole crate using only std: no cargo, no crates.io. The
compiler is Debian's rustc 1.63 with its wasm32 std (apt-get install rustc
libstd-rust-dev-wasm32 lld-14; ./x installs them), named by absolute path so
that a rustup toolchain earlier on PATH (which has no wasm32 std and cannot
download one offline) is never picked up:

    /usr/bin/rustc --target=wasm32-wasi -O --edition=2021 -C strip=symbols \\
        -C linker=/usr/bin/rust-lld -D warnings SRC -o OUT

Debian's wasm32-wasi std brings its own wasi-libc (crt1-command.o, libc.a
under /usr/lib/rustlib/wasm32-wasi/lib/self-contained) and links with
/usr/bin/rust-lld, the rustc package's link to lld-14 (which the wasm32 std
package only recommends, so ./x names it). `-C strip=symbols` drops the
name section and the std's debug info (a hello is 5.8 MB without it, ~95 KB
with it). The flags are the rule's own: the C++ configurations (--config=asan,
--config=tsan, -c opt) do not reach rustc.
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")

_RUSTC = "/usr/bin/rustc"

_RUSTC_FLAGS = [
    "--target=wasm32-wasi",
    "-O",
    "--edition=2021",
    "-C strip=symbols",
    "-C linker=/usr/bin/rust-lld",
    "-D warnings",
]

_MISSING = ("rust_guests: %s not found: run ./x setup " +
            "(apt-get install rustc libstd-rust-dev-wasm32 lld-14)") % _RUSTC

def rust_guests(
        name,
        srcs,
        namespace,
        rustc_flags = [],
        visibility = None,
        testonly = None):
    """Compiles each Rust source to its own .wasm command and embeds them all.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of .wasm files.
      srcs: Rust sources, one single-file crate (a program with `fn main`)
        each; the crate is named after the file's stem.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      rustc_flags: extra rustc flags for every source.
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    wasms = []
    symbols = []
    for src in srcs:
        sym = wasm_symbol("rust_guests", name, src, ".rs", symbols)
        wasm = "%s/%s.wasm" % (name, sym)
        flags = _RUSTC_FLAGS + ["--crate-name", sym] + rustc_flags
        native.genrule(
            name = "%s_%s_rustc" % (name, sym),
            srcs = [src],
            outs = [wasm],
            cmd = "if [ ! -x %s ]; then echo '%s' >&2; exit 1; fi; %s %s $(location %s) -o $@" % (
                _RUSTC,
                _MISSING,
                _RUSTC,
                " ".join(flags),
                src,
            ),
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)
