"""Repository rule for @componentize_js: npm's @bytecodealliance/componentize-js, by ./x.

componentize-js (SpiderMonkey in the StarlingMonkey runtime, snapshotted by
Wizer, which its npm package ships as a native binary) turns JavaScript
wasi:http handlers into components (tools/js_components.bzl's
starlingmonkey_components): StarlingMonkey implements `fetch`, `Request`,
`Response` and the service worker's `fetch` event on wasi:http, which
componentize-qjs cannot build (see that macro). `./x setup` installs the
pinned version into <workspace>/.cache/componentize-js and this rule points
at it (third_party/npm/npm_package.bzl):

    @componentize_js//:componentize.js   its JavaScript API (componentize)
"""

load("//third_party/npm:npm_package.bzl", "npm_package_repository")

COMPONENTIZE_JS_VERSION = "0.23.0"

# The WASI version StarlingMonkey in that release is built against: its
# fetch event is attached to wasi:http/incoming-handler of exactly this
# version, so a world exporting the handler must name it.
COMPONENTIZE_JS_WASI_VERSION = "0.2.10"

def componentize_js_repository(name):
    npm_package_repository(
        name = name,
        package = "@bytecodealliance/componentize-js",
        version = COMPONENTIZE_JS_VERSION,
        cache = "componentize-js",
        files = {"componentize.js": "src/componentize.js"},
    )
