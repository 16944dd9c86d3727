"""wasm_fixtures: compile .wat files with wabt and embed the bytes in C++.

    load("//tools:wasm_fixtures.bzl", "wasm_fixtures")

    wasm_fixtures(
        name = "fixtures",
        srcs = ["testdata/add.wat", "testdata/fib.wat"],
        namespace = "wasmhost::testing",
    )

    cc_test(..., deps = [":fixtures"])

gives `#include "<package>/fixtures.h"` declaring, in `namespace`,
`absl::Span<const uint8_t> add_wasm();` and `fib_wasm();` (the file's stem,
with characters other than [A-Za-z0-9_] turned into '_'). The .wasm files
themselves are in the filegroup `fixtures_files`.
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")

def wasm_fixtures(name, srcs, namespace, visibility = None, testonly = None,
                  validate = True):
    wasms = []
    symbols = []
    for src in srcs:
        sym = wasm_symbol("wasm_fixtures", name, src, ".wat", symbols)
        wasm = "%s/%s.wasm" % (name, sym)
        native.genrule(
            name = "%s_%s_wat2wasm" % (name, sym),
            srcs = [src],
            outs = [wasm],
            # --debug-names keeps the names section: nicer V8 stack traces.
            # validate = False (--no-check) builds deliberately invalid
            # modules, for tests that the SDK refuses them.
            cmd = "/usr/bin/wat2wasm --debug-names %s$< -o $@" % (
                "" if validate else "--no-check "
            ),
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)
