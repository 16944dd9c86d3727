"""static_library: one archive of a cc_library and everything it links in.

Bazel 4 has no cc_static_library; hosts outside Bazel want one libwasmhost.a
rather than each internal library's. `static_library(name = "x", out =
"libx.a", dep = ":lib")` merges the static archives of `dep` and its
dependencies (PIC, so the archive links into executables and shared objects
alike) into `out`, and writes `out + ".flags"`: the link flags the rest needs on one line
(Debian's shared libraries, V8's libnode with its rpath, libstdc++).
"""

def _static_library_impl(ctx):
    archives = []
    flags = []
    for linker_input in ctx.attr.dep[CcInfo].linking_context.linker_inputs.to_list():
        for flag in linker_input.user_link_flags:
            if flag.startswith("-Wl,-rpath,"):
                # Where the shared library sits is also where to link it from.
                flags.append("-L" + flag[len("-Wl,-rpath,"):])
            flags.append(flag)
        for library in linker_input.libraries:
            archive = library.pic_static_library or library.static_library
            if archive:
                archives.append(archive)
            elif library.dynamic_library:
                flags.append("-l:" + library.dynamic_library.basename)
    flags.append("-lstdc++")

    out = ctx.actions.declare_file(ctx.attr.out)
    script = "\n".join(
        ["create " + out.path] +
        ["addlib " + archive.path for archive in archives] +
        ["save", "end", ""],
    )
    ctx.actions.run_shell(
        inputs = archives,
        outputs = [out],
        command = "rm -f {out} && printf '%s' '{script}' | ar -M".format(
            out = out.path,
            script = script,
        ),
        mnemonic = "StaticLibrary",
        progress_message = "Merging %d archives into %s" % (len(archives), out.short_path),
    )

    flags_file = ctx.actions.declare_file(ctx.attr.out + ".flags")
    ctx.actions.write(flags_file, " ".join(_dedup(flags)) + "\n")
    return [DefaultInfo(
        files = depset([out, flags_file]),
        runfiles = ctx.runfiles(files = [out, flags_file]),
    )]

def _dedup(items):
    seen = {}
    out = []
    for item in items:
        if item not in seen:
            seen[item] = True
            out.append(item)
    return out

static_library = rule(
    implementation = _static_library_impl,
    attrs = {
        "dep": attr.label(providers = [CcInfo], mandatory = True),
        "out": attr.string(mandatory = True),
    },
)
