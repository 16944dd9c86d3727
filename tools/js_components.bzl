"""js_components: JavaScript guests turned into Component Model components.

    load("//tools:js_components.bzl", "js_components")

    js_components(
        name = "js",
        worlds = {"text": "text"},     # <stem>.js + <stem>.wit: world
        namespace = "wasmhost::guests",
        wit_deps = JCO_WASI_WIT,       # WIT packages the worlds use
    )

gives `#include "<package>/js.h"` declaring
`absl::Span<const uint8_t> text_wasm();` etc. in `namespace`, and the
filegroup `js_files` of the components (`<name>/<stem>.wasm`).

Each `<stem>.js` (an ES module exporting what the world exports, as
componentize-qjs maps WIT to JavaScript) is made a component by
tools/component/componentize_js.mjs, run by Node.js with the
componentize-qjs that `./x setup` installs (@componentize_qjs,
third_party/componentize_qjs/componentize_qjs.bzl): QuickJS compiled to a
core module, the script evaluated and snapshotted by Wizer, linked with
wit-dylib's bindings for `<stem>.wit`'s world. The component imports the
WASI 0.2 interfaces QuickJS's runtime needs (stdio, clocks, random,
filesystem) besides the world's, and exports an `init` function of its own.
The output is not bit-for-bit reproducible (Wizer's snapshot differs run to
run); Bazel's cache keeps one.

    starlingmonkey_components(
        name = "http_js",
        worlds = {"http_fetch": "js-http"},  # <stem>.js + <stem>.wit
        namespace = "wasmhost::guests",
        wit_deps = JCO_WASI_HTTP_WIT,
    )

does the same with componentize-js (@componentize_js,
third_party/componentize_js): SpiderMonkey in the StarlingMonkey runtime,
whose `fetch` event serves wasi:http/incoming-handler, for JavaScript HTTP
handlers. componentize-qjs cannot build those: at build time it links every
import it has no WASI implementation for to stubs with new resource types,
and wasi:http/types re-exports wasi:io's streams (and error), so that link
fails ("instance export `input-stream` has the wrong type: mismatched
resource types"). The worlds name WASI at
COMPONENTIZE_JS_WASI_VERSION; the deps are rewritten to it
(tools/component/starlingmonkey_component.mjs). ~60 s and ~13 MB per
component.
"""

load("//third_party/componentize_js:componentize_js.bzl", "COMPONENTIZE_JS_WASI_VERSION")

load(":embed.bzl", "embed_wasms", "wasm_symbol")

def _componentize_each(macro, name, worlds, namespace, wit_deps, script, api, script_args, visibility, testonly):
    """One genrule per world running `node script api <stem>.js <stem>.wit world script_args... $@ wit_deps...`, then embeds the outputs."""
    wasms = []
    symbols = []
    for stem, world in worlds.items():
        sym = wasm_symbol(macro, name, stem + ".js", ".js", symbols)
        wasm = "%s/%s.wasm" % (name, sym)
        native.genrule(
            name = "%s_%s_componentize" % (name, sym),
            srcs = [stem + ".js", stem + ".wit"] + wit_deps,
            outs = [wasm],
            cmd = " ".join([
                "node $(location %s)" % script,
                "$(location %s)" % api,
                "$(location %s.js)" % stem,
                "$(location %s.wit)" % stem,
                world,
            ] + script_args + ["$@"] + ["$(location %s)" % dep for dep in wit_deps]),
            tools = [script, api],
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        wasms.append(wasm)

    embed_wasms(name, namespace, symbols, wasms, visibility, testonly)

def js_components(name, worlds, namespace, wit_deps = [], visibility = None, testonly = None):
    """Builds one component per entry of `worlds` and embeds them all.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of components.
      worlds: {stem: world}: `<stem>.js` implements world `world` of
        `<stem>.wit`.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      wit_deps: WIT packages, one file each, that the worlds use (e.g.
        //third_party/jco:jco.bzl's JCO_WASI_WIT, for a world importing or
        exporting WASI interfaces).
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    _componentize_each(
        "js_components",
        name,
        worlds,
        namespace,
        wit_deps,
        Label("//tools/component:componentize_js.mjs"),
        "@componentize_qjs//:index.js",
        [],
        visibility,
        testonly,
    )

def starlingmonkey_components(name, worlds, namespace, wit_deps, visibility = None, testonly = None):
    """Builds one component per entry of `worlds` with componentize-js.

    Args:
      name: the cc_library with the embedded bytes; `name + "_files"` is the
        filegroup of components.
      worlds: {stem: world}: `<stem>.js` implements world `world` of
        `<stem>.wit`.
      namespace: C++ namespace of the `<stem>_wasm()` accessors.
      wit_deps: the WASI 0.2.12 WIT packages the worlds use, one file each
        (//third_party/jco:jco.bzl's JCO_WASI_HTTP_WIT).
      visibility: of the library and the filegroup.
      testonly: of every target.
    """
    _componentize_each(
        "starlingmonkey_components",
        name,
        worlds,
        namespace,
        wit_deps,
        Label("//tools/component:starlingmonkey_component.mjs"),
        "@componentize_js//:componentize.js",
        [COMPONENTIZE_JS_WASI_VERSION],
        visibility,
        testonly,
    )
