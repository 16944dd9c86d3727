"""c_guests: compile C programs to wasm32-wasi with clang-19 and embed them.

    load("//tools:c_guests.bzl", "c_guests")

    c_guests(
        name = "guests",
        srcs = ["hello.c", "copy.c"],          # commands (_start)
        reactor_srcs = ["reactor.c"],          # reactors (_initialize)
        namespace = "wasmhost::guests",
    )

    cc_test(..., deps = ["//guests"])

gives `#include "<package>/guests.h"` declaring, in `namespace`,
`absl::Span<const uint8_t> hello_wasm();`, `copy_wasm();` and
`reactor_wasm();` (the file's stem, with characters other than
[A-Za-z0-9_] turned into '_'). The .wasm files themselves are in the
filegroup `guests_files`, one per source, named `<name>/<stem>.wasm`.

The compiler is Debian's (apt-get install clang-19 lld-19 wasi-libc
libclang-rt-19-dev-wasm32; ./x installs them):

    /usr/bin/clang-19 --target=wasm32-wasi -O2 -s -Wl,--stack-first SRC -o OUT

`wasm32-wasi` rather than `wasm32-wasip1`: with the newer triple clang does
not find Debian's wasi-libc, which sits in /usr/lib/wasm32-wasi and
/usr/include/wasm32-wasi (clang's default sysroot, /usr, finds them).
`-s` drops the ~120 KB of debug info Debian's libc.a would otherwise add.
Reactors get `-mexec-model=reactor`: crt1-reactor.o's `_initialize` runs the
C constructors and there is no `_start`. Reactors export functions with
`__attribute__((export_name("f")))` or `linkopts = ["-Wl,--export=f"]`.
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")

_CLANG = "/usr/bin/clang-19"

_COPTS = [
    "--target=wasm32-wasi",
    "-O2",
    "-s",
    "-std=gnu11",
    "-Wall",
    "-Wextra",
    "-Werror",
    # The C stack below the static data, so overflowing it traps (a store
    # below address 0) instead of overwriting globals (wasm_c_component.bzl).
    "-Wl,--stack-first",
]

def c_guests(
        name,
        srcs,
        namespace,
        reactor_srcs = [],
        hdrs = [],
        copts = [],
        linkopts = [],
        visibility = None,
        testonly = None):
    """Compiles each C source to its own .wasm and embeds them all.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of .wasm files.
      srcs: C sources of commands, one program each.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      reactor_srcs: C sources of reactors (-mexec-model=reactor).
      hdrs: headers the sources include (available to every source).
      copts: extra clang flags for every source.
      linkopts: extra link flags for every source (e.g. -Wl,--export=f).
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    wasms = []
    symbols = []
    for src, reactor in [(s, False) for s in srcs] + [(s, True) for s in reactor_srcs]:
        sym = wasm_symbol("c_guests", name, src, ".c", symbols)
        wasm = "%s/%s.wasm" % (name, sym)
        flags = _COPTS + (["-mexec-model=reactor"] if reactor else []) + copts + linkopts
        native.genrule(
            name = "%s_%s_clang" % (name, sym),
            srcs = [src] + hdrs,
            outs = [wasm],
            cmd = "%s %s $(location %s) -o $@" % (_CLANG, " ".join(flags), src),
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)
