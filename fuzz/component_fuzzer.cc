// fuzz/component_fuzzer.cc: ReadComponent on arbitrary bytes, then
// ResolveWorld and PrintWit when it parses. Any crash, leak, UB or
// unbounded allocation is a finding; errors are fine if they are
// InvalidArgument with an offset. Also checks properties the reader
// documents (core modules inside the input, type ids inside the arena,
// definition order entries pointing at definitions).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/types/span.h"
#include "fuzz/sanitizer_options.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"
#include "lib/component/world.h"

namespace {

using namespace wasmhost::component;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "component_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

size_t CountOf(const ComponentDef& d, Definition::Kind kind) {
  switch (kind) {
    case Definition::Kind::kCoreModule:
      return d.core_modules.size();
    case Definition::Kind::kCoreInstance:
      return d.core_instances.size();
    case Definition::Kind::kCoreType:
      return d.core_types.size();
    case Definition::Kind::kComponent:
      return d.components.size();
    case Definition::Kind::kInstance:
      return d.instances.size();
    case Definition::Kind::kAlias:
      return d.aliases.size();
    case Definition::Kind::kType:
      return d.types.size();
    case Definition::Kind::kCanon:
      return d.canons.size();
    case Definition::Kind::kStart:
      return d.start.has_value() ? 1 : 0;
    case Definition::Kind::kImport:
      return d.imports.size();
    case Definition::Kind::kExport:
      return d.exports.size();
  }
  return 0;
}

void CheckDef(const ComponentDef& d, const TypeArena& types, size_t size) {
  for (const CoreModule& m : d.core_modules) {
    Check(m.offset <= size && m.size <= size - m.offset,
          "core module outside the input");
  }
  for (const Definition& o : d.order) {
    Check(o.index < CountOf(d, o.kind), "order entry without a definition");
  }
  Check(d.type < types.size(), "component type outside the arena");
  for (TypeId t : d.types) Check(t < types.size(), "type outside the arena");
  for (const Canon& c : d.canons) {
    Check(c.type < types.size(), "canon type outside the arena");
  }
  for (const auto& nested : d.components) CheckDef(*nested, types, size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::Span<const uint8_t> bytes(data, size);
  absl::StatusOr<Component> component = ReadComponent(bytes);
  if (!component.ok()) {
    Check(component.status().code() == absl::StatusCode::kInvalidArgument,
          "an error other than InvalidArgument");
    Check(absl::StartsWith(component.status().message(), "at offset "),
          "an error without an offset");
    return 0;
  }
  Check(IsComponent(bytes), "a component without the component preamble");
  CheckDef(component->root, component->types, size);
  absl::StatusOr<World> world = ResolveWorld(*component);
  if (!world.ok()) {
    Check(world.status().code() == absl::StatusCode::kInvalidArgument,
          "ResolveWorld: an error other than InvalidArgument");
    return 0;
  }
  Check(!PrintWit(*world).empty(), "an empty WIT world");
  return 0;
}
