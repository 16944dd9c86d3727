"""cpp_host_library: C++ host bindings generated from a WIT world.

    load("//tools:cpp_host.bzl", "cpp_host_library")

    cpp_host_library(
        name = "sink_host",
        wit = "kitchen_sink.wit",
        world = "sink",
    )

runs `wasmhost bindgen cpp-host` (tools/bindgen, no V8) on `wit` and
compiles what it writes, `<name>/<world>_host.{h,cc}` (`<world>` in snake
case), into a cc_library on the public API (//:wasmhost): code includes
"<package>/<name>/<world>_host.h". The C guest side of the same WIT is
c_components' `bindgen` (c_components.bzl).
"""

def cpp_host_library(name, wit, world, visibility = None, testonly = None):
    """Generates and compiles the host bindings of `world` in `wit`.

    Args:
      name: the cc_library; the generated files are under `<name>/`.
      wit: the .wit file declaring `world`.
      world: the world's name.
      visibility: of the library.
      testonly: of every target.
    """
    stem = world.lower().replace("-", "_") + "_host"
    hdr = "%s/%s.h" % (name, stem)
    src = "%s/%s.cc" % (name, stem)
    prefix = "%s/%s/" % (native.package_name(), name) if native.package_name() else name + "/"
    native.genrule(
        name = name + "_bindgen",
        srcs = [wit],
        outs = [hdr, src],
        cmd = " ".join([
            "$(location %s) cpp-host" % Label("//tools/bindgen"),
            "--wit $(location %s)" % wit,
            "--world",
            world,
            "--include-prefix",
            prefix,
            "--out $$(dirname $(location %s)) >/dev/null" % hdr,
        ]),
        tools = [Label("//tools/bindgen")],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name,
        srcs = [src],
        hdrs = [hdr],
        deps = [
            Label("//:wasmhost"),
            Label("//third_party/system:absl"),
        ],
        testonly = testonly,
        visibility = visibility,
    )
