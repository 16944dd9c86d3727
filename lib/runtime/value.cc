#include "wasmhost/value.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "wasmhost/internal/func_traits.h"

namespace wasmhost {

std::string FuncType::ToString() const {
  auto format = [](std::string* out, ValType type) {
    out->append(ValTypeName(type).data(), ValTypeName(type).size());
  };
  std::string text =
      absl::StrCat("(", absl::StrJoin(params, ", ", format), ") -> ");
  if (results.size() == 1) {
    absl::StrAppend(&text, ValTypeName(results[0]));
  } else {
    absl::StrAppend(&text, "(", absl::StrJoin(results, ", ", format), ")");
  }
  return text;
}

Val Val::F32(float v) { return Val(ValType::kF32, internal::ToRaw(v)); }
Val Val::F64(double v) { return Val(ValType::kF64, internal::ToRaw(v)); }
float Val::f32() const { return internal::FromRaw<float>(bits_); }
double Val::f64() const { return internal::FromRaw<double>(bits_); }

std::string Val::ToString() const {
  switch (type_) {
    case ValType::kI32:
      return absl::StrCat("i32:", i32());
    case ValType::kI64:
      return absl::StrCat("i64:", i64());
    case ValType::kF32:
      return absl::StrCat("f32:", f32());
    case ValType::kF64:
      return absl::StrCat("f64:", f64());
    case ValType::kFuncRef:
    case ValType::kExternRef:
      if (is_null()) return absl::StrCat(ValTypeName(type_), ":null");
      return absl::StrCat(ValTypeName(type_), ":",
                          absl::Hex(reinterpret_cast<uintptr_t>(ref_.get())));
    case ValType::kV128:
      return absl::StrCat("v128:0x", absl::Hex(high_, absl::kZeroPad16),
                          absl::Hex(bits_, absl::kZeroPad16));
  }
  return "?";
}

}  // namespace wasmhost
