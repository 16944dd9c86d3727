#include "tools/spec/pending_api.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace wasmhost::spec {

std::optional<std::string> MissingValueType(ValType type) {
  switch (type) {
    case ValType::kI32:
    case ValType::kI64:
    case ValType::kF32:
    case ValType::kF64:
      return std::nullopt;
    case ValType::kV128:
    case ValType::kFuncRef:
    case ValType::kExternRef:
      break;
  }
  return absl::StrCat(ValTypeName(type), " value");
}

absl::StatusOr<Val> ToVal(const SpecValue& value) {
  if (std::optional<std::string> missing = MissingValueType(value.type)) {
    return absl::UnimplementedError(*missing);
  }
  return Val::FromBits(value.type, value.bits());
}

ValueBytes ToBytes(const Val& value) {
  ValueBytes bytes{};
  const uint64_t bits = value.bits();
  std::memcpy(bytes.data(), &bits, sizeof(bits));
  return bytes;
}

absl::StatusOr<Val> GetGlobal(const Instance&, absl::string_view) {
  return absl::UnimplementedError("exported global get");
}

absl::Status RegisterInstance(Linker&, absl::string_view, const Instance&) {
  return absl::UnimplementedError("register");
}

}  // namespace wasmhost::spec
