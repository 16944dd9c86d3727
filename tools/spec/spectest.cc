#include "tools/spec/spectest.h"

#include <cstdint>

#include "lib/util/status_macros.h"

namespace wasmhost::spec {

absl::Span<const SpectestExtern> SpectestExterns() {
  static constexpr SpectestExtern kExterns[] = {
      {"global_i32", ExternKind::kGlobal}, {"global_i64", ExternKind::kGlobal},
      {"global_f32", ExternKind::kGlobal}, {"global_f64", ExternKind::kGlobal},
      {"table", ExternKind::kTable},       {"memory", ExternKind::kMemory},
  };
  return kExterns;
}

absl::Status DefineSpectest(Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "print", [] {}));
  WASMHOST_RETURN_IF_ERROR(
      linker.Define(kSpectest, "print_i32", [](int32_t) {}));
  WASMHOST_RETURN_IF_ERROR(
      linker.Define(kSpectest, "print_i64", [](int64_t) {}));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "print_f32", [](float) {}));
  WASMHOST_RETURN_IF_ERROR(
      linker.Define(kSpectest, "print_f64", [](double) {}));
  WASMHOST_RETURN_IF_ERROR(
      linker.Define(kSpectest, "print_i32_f32", [](int32_t, float) {}));
  return linker.Define(kSpectest, "print_f64_f64", [](double, double) {});
}

absl::Status DefineSpectestExterns(Linker&) {
  // Fill in when Linker can define host globals, tables and memories.
  return absl::UnimplementedError("host globals, tables and memories");
}

}  // namespace wasmhost::spec
