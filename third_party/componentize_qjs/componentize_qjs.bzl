"""Repository rule for @componentize_qjs: npm's componentize-qjs, by ./x.

componentize-qjs (QuickJS with wit-dylib bindings, snapshotted by Wizer; a
native Node.js addon) turns the JavaScript component guests into components
(tools/js_components.bzl). `./x setup` installs the pinned version into
<workspace>/.cache/componentize-qjs and this rule points at it
(third_party/npm/npm_package.bzl):

    @componentize_qjs//:index.js   its JavaScript API (componentize)
"""

load("//third_party/npm:npm_package.bzl", "npm_package_repository")

COMPONENTIZE_QJS_VERSION = "0.4.5"

def componentize_qjs_repository(name):
    npm_package_repository(
        name = name,
        package = "componentize-qjs",
        version = COMPONENTIZE_QJS_VERSION,
        cache = "componentize-qjs",
        files = {"index.js": "index.js"},
    )
