"""Repository rule for @jco: npm's @bytecodealliance/jco, installed by ./x.

jco (wasm-tools and wit-component compiled to Wasm, run by Node.js) turns the
C component guests' core modules into components (tools/c_components.bzl).
No native wasm-tools exists in Debian, so `./x setup` installs the pinned
version into <workspace>/.cache/jco and this rule points at it
(third_party/npm/npm_package.bzl):

    @jco//:api.js                                jco's JavaScript API
    @jco//:jco.js                                its command line
    @jco//:wasi_snapshot_preview1.reactor.wasm   the preview-1 adapters
    @jco//:wasi_snapshot_preview1.command.wasm
    @jco//:wasi/cli.wit etc.                     the WASI 0.2.12 packages
                                                 (JCO_WASI_WIT lists them)
    @jco//:wasi/http.wit                         wasi:http 0.2.12
                                                 (JCO_WASI_HTTP_WIT: with
                                                 the packages it uses)
"""

load("//third_party/npm:npm_package.bzl", "npm_package_repository")

JCO_VERSION = "1.35.0"

# The WASI 0.2.12 WIT packages jco ships, one file each, for guests whose
# worlds import or export WASI interfaces (tools/js_components.bzl).
_WASI_PACKAGES = ["cli", "clocks", "filesystem", "io", "random", "sockets"]

JCO_WASI_WIT = ["@jco//:wasi/%s.wit" % p for p in _WASI_PACKAGES]

# For worlds that import or export wasi:http (kept apart so the other
# guests' inputs do not change).
JCO_WASI_HTTP_WIT = JCO_WASI_WIT + ["@jco//:wasi/http.wit"]

def jco_repository(name):
    files = {
        "api.js": "dist/api.js",
        "jco.js": "dist/jco.js",
        "wasi_snapshot_preview1.reactor.wasm": "lib/wasi_snapshot_preview1.reactor.wasm",
        "wasi_snapshot_preview1.command.wasm": "lib/wasi_snapshot_preview1.command.wasm",
    }
    for p in _WASI_PACKAGES + ["http"]:
        files["wasi/%s.wit" % p] = "lib/wit/builtin/0.2.12/wasi-%s/package.wit" % p
    npm_package_repository(
        name = name,
        package = "@bytecodealliance/jco",
        version = JCO_VERSION,
        cache = "jco",
        files = files,
    )
