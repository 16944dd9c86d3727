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

def _symbol(path):
    stem = path.split("/")[-1]
    if stem.endswith(".wat"):
        stem = stem[:-len(".wat")]
    out = ""
    for c in stem.elems():
        out += c if (c.isalnum() or c == "_") else "_"
    if out[0].isdigit():
        out = "_" + out
    return out

def wasm_fixtures(name, srcs, namespace, visibility = None, testonly = None):
    wasms = []
    symbols = []
    for src in srcs:
        sym = _symbol(src)
        if sym in symbols:
            fail("wasm_fixtures %s: two sources map to %s_wasm()" % (name, sym))
        symbols.append(sym)
        wasm = "%s/%s.wasm" % (name, sym)
        native.genrule(
            name = "%s_%s_wat2wasm" % (name, sym),
            srcs = [src],
            outs = [wasm],
            # --debug-names keeps the names section: nicer V8 stack traces.
            cmd = "/usr/bin/wat2wasm --debug-names $< -o $@",
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    native.filegroup(
        name = name + "_files",
        srcs = wasms,
        testonly = testonly,
        visibility = visibility,
    )

    header = name + ".h"
    source = name + "_embed.cc"
    include = header if not native.package_name() else native.package_name() + "/" + header
    args = ["$(location %s)" % header, "$(location %s)" % source, namespace, include]
    args += ["%s=$(location %s)" % (sym, wasm) for sym, wasm in zip(symbols, wasms)]
    native.genrule(
        name = name + "_embed",
        srcs = wasms,
        outs = [header, source],
        cmd = "$(location %s) %s" % (Label("//tools:embed_wasm"), " ".join(args)),
        tools = [Label("//tools:embed_wasm")],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )

    native.cc_library(
        name = name,
        hdrs = [header],
        srcs = [source],
        # For absl/types/span.h (header-only, but say where it comes from).
        deps = [Label("//third_party/system:absl")],
        testonly = testonly,
        visibility = visibility,
    )
