"""c_components: C guests turned into Component Model components.

    load("//tools:c_components.bzl", "c_components")

    c_components(
        name = "components",
        worlds = {"scalars": "scalars"},       # <stem>.c + <stem>.wit: world
        wasi_reactor = ["wasi_reactor"],       # stems linked with the adapter
        hdrs = ["cabi.h"],
        namespace = "wasmhost::guests",
        bindgen = ["scalars"],                 # stems with generated glue
    )

gives `#include "<package>/components.h"` declaring
`absl::Span<const uint8_t> scalars_wasm();` etc. in `namespace`, and the
filegroup `components_files` of the components (`<name>/<stem>.wasm`).

Each `<stem>.c` is compiled by clang-19 as a wasm32-wasi reactor, with the C
stack first in memory (the rules of wasm_c_component.bzl, the macro for
plugin authors, which this one shares) to a core module carrying the canonical-ABI glue
(`cabi_realloc`, exports named as wit-component expects, `cabi_post_*`):
for stems in `bindgen`, the glue is generated from `<stem>.wit`
(tools/bindgen, `wasmhost bindgen c-guest`) as `<world>.h`, which
`<stem>.c` includes, and `<world>.c`, compiled with it (`<world>` is the
world's name in snake case); other stems write it by hand (cabi.h);
then tools/component/make_component.mjs, run by Node.js with the jco that
`./x setup` installs (@jco, third_party/jco/jco.bzl), embeds `<stem>.wit`'s
world and makes the component (wit-component's `new`). Stems listed in
`wasi_reactor` may import WASI preview 1: jco's preview-1 reactor adapter
turns those imports into WASI 0.2 ones.

    c_command_components(
        name = "command_components",
        srcs = ["hello.c", "copy.c"],          # C programs with main()
        namespace = "wasmhost::guests",
    )

compiles each source as an ordinary wasm32-wasi command (the same program
c_guests makes a preview-1 module) and makes it a component with jco's
preview-1 COMMAND adapter: it imports WASI 0.2 and exports wasi:cli/run,
which runs the program's `_start`. `hello_wasm()` etc. as above.
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")
load(":wasm_c_component.bzl", "C_COMPONENT_COPTS", "STACK_FIRST", "c_component_rules")

_CLANG = "/usr/bin/clang-19"
_COMMAND_ADAPTER = "@jco//:wasi_snapshot_preview1.command.wasm"
_COMMAND_WIT = "//tools/component:command.wit"

def c_components(name, worlds, namespace, wasi_reactor = [], bindgen = [], hdrs = [], visibility = None, testonly = None):
    """Builds one component per entry of `worlds` and embeds them all.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of components.
      worlds: {stem: world}: `<stem>.c` is built against world `world` of
        `<stem>.wit`.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      wasi_reactor: stems whose core modules import WASI preview 1.
      bindgen: stems whose canonical-ABI glue is generated from the WIT.
      hdrs: headers the sources include.
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    for stem in wasi_reactor:
        if stem not in worlds:
            fail("c_components %s: %s in wasi_reactor but not in worlds" % (name, stem))
    for stem in bindgen:
        if stem not in worlds:
            fail("c_components %s: %s in bindgen but not in worlds" % (name, stem))
    wasms = []
    symbols = []
    for stem, world in worlds.items():
        sym = wasm_symbol("c_components", name, stem + ".c", ".c", symbols)
        core = "%s/%s.core.wasm" % (name, sym)
        wasm = "%s/%s.wasm" % (name, sym)
        c_component_rules(
            prefix = "%s_%s" % (name, sym),
            srcs = [stem + ".c"],
            wit = stem + ".wit",
            world = world,
            core = core,
            wasm = wasm,
            bindings_dir = "%s/%s_bindings" % (name, sym),
            hdrs = hdrs,
            bindgen = stem in bindgen,
            wasi = stem in wasi_reactor,
            testonly = testonly,
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)

def c_command_components(name, srcs, namespace, hdrs = [], visibility = None, testonly = None):
    """Builds each C command of `srcs` as a WASI 0.2 command component.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of components.
      srcs: C sources with main(), one program each.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      hdrs: headers the sources include.
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    wasms = []
    symbols = []
    copts = [c for c in C_COMPONENT_COPTS if c != "-mexec-model=reactor"] + [STACK_FIRST]
    for src in srcs:
        sym = wasm_symbol("c_command_components", name, src, ".c", symbols)
        core = "%s/%s.core.wasm" % (name, sym)
        wasm = "%s/%s.wasm" % (name, sym)
        native.genrule(
            name = "%s_%s_clang" % (name, sym),
            srcs = [src] + hdrs,
            outs = [core],
            cmd = "%s %s $(location %s) -o $@" % (_CLANG, " ".join(copts), src),
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        native.genrule(
            name = "%s_%s_component" % (name, sym),
            srcs = [core, _COMMAND_WIT, _COMMAND_ADAPTER],
            outs = [wasm],
            cmd = " ".join([
                "node $(location %s)" % Label("//tools/component:make_component.mjs"),
                "$(location @jco//:api.js)",
                "$(location %s)" % core,
                "$(location %s)" % _COMMAND_WIT,
                "command",
                "$@",
                "$(location %s)" % _COMMAND_ADAPTER,
            ]),
            tools = [
                Label("//tools/component:make_component.mjs"),
                "@jco//:api.js",
            ],
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)
