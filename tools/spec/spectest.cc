#include "tools/spec/spectest.h"

#include <cstdint>

#include "lib/util/status_macros.h"
#include "wasmhost/global.h"
#include "wasmhost/memory.h"
#include "wasmhost/table.h"
#include "wasmhost/value.h"

namespace wasmhost::spec {

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

absl::Status DefineSpectestExterns(Linker& linker) {
  WASMHOST_ASSIGN_OR_RETURN(
      Global global_i32, Global::Create({ValType::kI32, false}, Val::I32(666)));
  WASMHOST_ASSIGN_OR_RETURN(
      Global global_i64, Global::Create({ValType::kI64, false}, Val::I64(666)));
  WASMHOST_ASSIGN_OR_RETURN(
      Global global_f32,
      Global::Create({ValType::kF32, false}, Val::F32(666.6f)));
  WASMHOST_ASSIGN_OR_RETURN(
      Global global_f64,
      Global::Create({ValType::kF64, false}, Val::F64(666.6)));
  WASMHOST_ASSIGN_OR_RETURN(Table table,
                            Table::Create({ValType::kFuncRef, 10, 20},
                                          Val::NullRef(ValType::kFuncRef)));
  WASMHOST_ASSIGN_OR_RETURN(Memory memory, Memory::Create({1, 2}));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "global_i32", global_i32));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "global_i64", global_i64));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "global_f32", global_f32));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "global_f64", global_f64));
  WASMHOST_RETURN_IF_ERROR(linker.Define(kSpectest, "table", table));
  return linker.Define(kSpectest, "memory", memory);
}

}  // namespace wasmhost::spec
