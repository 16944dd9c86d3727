"""wasm_c_component: a Component Model plugin from C sources and a WIT world.

For plugin authors, in this repository or another Bazel workspace:

    load("@wasmhost//tools:wasm_c_component.bzl", "wasm_c_component")

    wasm_c_component(
        name = "greeter",          # greeter.wasm, the component
        wit = "greeter.wit",
        world = "greeter",
        srcs = ["greeter.c"],      # default: [name + ".c"]
    )

`wasmhost bindgen c-guest` (//tools/bindgen, no V8) writes the world's C
bindings, `<world>.h` (which the sources include as "<world>.h") and
`<world>.c` (`<world>` in snake case); clang-19 compiles them with the
sources as a wasm32-wasi reactor; jco (wit-component's `new`, run by
Node.js) makes the component, `<name>.wasm`, with the world embedded. The
target `name` is that file; `name + "_core"` is the core module before it
became a component.

The C stack is placed first in linear memory (`-Wl,--stack-first`):
wasm-ld's default puts it after the static data, so a recursion deeper
than the stack (64 KiB) silently overwrites the plugin's globals. First,
it runs below address 0 instead, and the store traps (memory access out
of bounds). `stack_first = False` keeps wasm-ld's layout (for tests).

`wasi = True` links jco's preview-1 reactor adapter, so the sources may use
wasi-libc's I/O (printf, files, clocks); the component then imports WASI
0.2 and the host grants it with wasi::AddToComponentLinker. Without it a
plugin that calls such functions (snprintf too: stdio pulls in file
descriptors) fails to become a component, with jco saying "failed to
resolve import `wasi_snapshot_preview1::fd_close`".

`embed_namespace = "my::ns"` also makes the cc_library `name + "_embedded"`
(header `<package>/<name>_embedded.h`) declaring
`absl::Span<const uint8_t> <name>_wasm();` in that namespace, for hosts
that carry the plugin in their binary (and `<name>_core_wasm()`, the core
module, for tests). Without it nothing C++ is built.

Another workspace needs, besides the repositories "Using it from another
Bazel workspace" lists in the README, jco:

    load("@wasmhost//third_party/jco:jco.bzl", "jco_repository")
    jco_repository(name = "jco")   # reads <wasmhost>/.cache/jco (./x setup)

and the Debian packages ./x installs (clang-19, lld-19, wasi-libc, nodejs).
"""

load(":embed.bzl", "embed_wasms", "wasm_symbol")

_CLANG = "/usr/bin/clang-19"

# Every C guest that becomes a component: a reactor (no _start; crt1's
# _initialize runs constructors), warnings as errors.
C_COMPONENT_COPTS = [
    "--target=wasm32-wasi",
    "-mexec-model=reactor",
    "-O2",
    "-s",
    "-std=gnu11",
    "-Wall",
    "-Wextra",
    "-Werror",
]

STACK_FIRST = "-Wl,--stack-first"

_ADAPTER = "@jco//:wasi_snapshot_preview1.reactor.wasm"

def snake_case(world):
    return world.lower().replace("-", "_")

def c_component_rules(
        prefix,
        srcs,
        wit,
        world,
        core,
        wasm,
        bindings_dir,
        hdrs = [],
        copts = [],
        bindgen = True,
        wasi = False,
        stack_first = True,
        testonly = None):
    """The genrules that build one component; shared with c_components.

    Args:
      prefix: the genrules' name prefix (each is private).
      srcs: C sources.
      wit: the .wit file (or directory label) declaring `world`.
      world: the world's name.
      core: output path of the core module.
      wasm: output path of the component.
      bindings_dir: output directory of the generated bindings.
      hdrs: headers the sources include.
      copts: extra clang flags.
      bindgen: whether to generate and compile the world's C bindings
        (otherwise the sources carry the canonical-ABI glue).
      wasi: link jco's preview-1 reactor adapter.
      stack_first: place the C stack before static data.
      testonly: of every target.
    """
    glue = []
    include = ""
    if bindgen:
        gen_h = "%s/%s.h" % (bindings_dir, snake_case(world))
        gen_c = "%s/%s.c" % (bindings_dir, snake_case(world))
        native.genrule(
            name = prefix + "_bindgen",
            srcs = [wit],
            outs = [gen_h, gen_c],
            cmd = " ".join([
                "$(location %s) c-guest" % Label("//tools/bindgen"),
                "--wit $(location %s)" % wit,
                "--world",
                world,
                "--out $$(dirname $(location %s)) >/dev/null" % gen_h,
            ]),
            tools = [Label("//tools/bindgen")],
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        glue = [gen_h, gen_c]
        include = "-I$$(dirname $(location %s)) $(location %s)" % (gen_h, gen_c)
    flags = C_COMPONENT_COPTS + ([STACK_FIRST] if stack_first else []) + copts
    native.genrule(
        name = prefix + "_clang",
        srcs = srcs + hdrs + glue,
        outs = [core],
        cmd = "%s %s %s %s -o $@" % (
            _CLANG,
            " ".join(flags),
            include,
            " ".join(["$(location %s)" % s for s in srcs]),
        ),
        testonly = testonly,
        visibility = ["//visibility:private"],
    )
    adapter = [Label(_ADAPTER)] if wasi else []
    native.genrule(
        name = prefix + "_component",
        srcs = [core, wit] + adapter,
        outs = [wasm],
        cmd = " ".join([
            "node $(location %s)" % Label("//tools/component:make_component.mjs"),
            "$(location %s)" % Label("@jco//:api.js"),
            "$(location %s)" % core,
            "$(location %s)" % wit,
            world,
            "$@",
        ] + ["$(location %s)" % a for a in adapter]),
        tools = [
            Label("//tools/component:make_component.mjs"),
            Label("@jco//:api.js"),
        ],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )

def wasm_c_component(
        name,
        wit,
        world,
        srcs = None,
        hdrs = [],
        copts = [],
        wasi = False,
        stack_first = True,
        embed_namespace = None,
        visibility = None,
        testonly = None):
    """Builds `<name>.wasm`, a component of `world`, from C `srcs`.

    Args:
      name: the component (filegroup of `<name>.wasm`); `name + "_core"` is
        the core module.
      wit: the .wit file declaring `world`.
      world: the world's name.
      srcs: C sources including "<world>.h"; default [name + ".c"].
      hdrs: headers the sources include.
      copts: extra clang flags (e.g. -DNAME, -Os).
      wasi: link the preview-1 reactor adapter (the plugin imports WASI).
      stack_first: place the C stack before static data (default True).
      embed_namespace: when set, also the cc_library `name + "_embedded"`
        with `<name>_wasm()` and `<name>_core_wasm()` in this C++ namespace.
      visibility: of the public targets.
      testonly: of every target.
    """
    if srcs == None:
        srcs = [name + ".c"]
    core = name + ".core.wasm"
    wasm = name + ".wasm"
    c_component_rules(
        prefix = name,
        srcs = srcs,
        wit = wit,
        world = world,
        core = core,
        wasm = wasm,
        bindings_dir = name + "_bindings",
        hdrs = hdrs,
        copts = copts,
        wasi = wasi,
        stack_first = stack_first,
        testonly = testonly,
    )
    native.filegroup(
        name = name,
        srcs = [wasm],
        testonly = testonly,
        visibility = visibility,
    )
    native.filegroup(
        name = name + "_core",
        srcs = [core],
        testonly = testonly,
        visibility = visibility,
    )
    if embed_namespace != None:
        symbols = []
        wasm_symbol("wasm_c_component", name, name + ".wasm", ".wasm", symbols)
        wasm_symbol("wasm_c_component", name, name + "_core.wasm", ".wasm", symbols)
        embed_wasms(name + "_embedded", embed_namespace, symbols, [wasm, core], visibility, testonly)
