// lib/bindgen/command.h: the `bindgen` command line, shared by `wasmhost
// bindgen` and the build's own generator (tools/bindgen), which links
// neither V8 nor the runtime.
//
//   BindgenMain   bindgen c-guest|cpp-host --wit DIR_OR_FILE [--world NAME]
//                 --out DIR

#ifndef WASMHOST_LIB_BINDGEN_COMMAND_H_
#define WASMHOST_LIB_BINDGEN_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace wasmhost::bindgen {

// Usage text for the `bindgen` subcommand.
extern const char kBindgenUsage[];

// Runs `bindgen ARGS` (ARGS without the word "bindgen"): parses the WIT,
// generates, writes DIR/NAME.h and DIR/NAME.c (c-guest; NAME: the world's
// name in snake case) or DIR/NAME_host.h and DIR/NAME_host.cc (cpp-host),
// and prints their paths to `out`. Returns 0, 1 with a message on `err` when
// the WIT or the output directory is bad, or 2 with the usage for bad
// arguments.
int BindgenMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace wasmhost::bindgen

#endif  // WASMHOST_LIB_BINDGEN_COMMAND_H_
