"""component_wat: components written in the component text format, made
binary with jco's `parse` and embedded in C++.

    load("//tools:component_wat.bzl", "component_wat")

    component_wat(
        name = "components",
        srcs = ["canon.wat"],
        namespace = "wasmhost::testing",
    )

gives `#include "<package>/components.h"` declaring
`absl::Span<const uint8_t> canon_wasm();` in `namespace`, and the
filegroup `components_files`. Needs the jco `./x setup` installs (@jco).
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")

def component_wat(name, srcs, namespace, visibility = None, testonly = None):
    """Builds one component per `.wat` source of `srcs` and embeds them.

    Args:
      name: the cc_library with the embedded bytes.
      srcs: component text files.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    wasms = []
    symbols = []
    for src in srcs:
        sym = wasm_symbol("component_wat", name, src, ".wat", symbols)
        wasm = "%s/%s.wasm" % (name, sym)
        native.genrule(
            name = "%s_%s_parse" % (name, sym),
            srcs = [src],
            outs = [wasm],
            cmd = "node $(location %s) $(location @jco//:api.js) $< $@" %
                  Label("//tools/component:parse_component.mjs"),
            tools = [
                Label("//tools/component:parse_component.mjs"),
                "@jco//:api.js",
            ],
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)
