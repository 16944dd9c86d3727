#include "tools/spec/pending_api.h"

#include <cstring>
#include <memory>

#include "lib/util/status_macros.h"
#include "wasmhost/global.h"

namespace wasmhost::spec {

const std::shared_ptr<void>& HostRefs::Get(uint64_t n) {
  std::shared_ptr<void>& ref = refs_[n];
  if (ref == nullptr) ref = std::make_shared<uint64_t>(n);
  return ref;
}

absl::StatusOr<Val> ToVal(const SpecValue& value, HostRefs& refs) {
  switch (value.type) {
    case ValType::kV128: {
      uint64_t low, high;
      std::memcpy(&low, value.bytes.data(), sizeof low);
      std::memcpy(&high, value.bytes.data() + 8, sizeof high);
      return Val::V128(low, high);
    }
    case ValType::kFuncRef:
      if (!value.is_null) {
        return absl::InvalidArgumentError("a non-null funcref argument");
      }
      return Val::NullRef(value.type);
    case ValType::kExternRef:
      if (value.is_null) return Val::NullRef(value.type);
      if (!value.host_ref.has_value()) {
        return absl::InvalidArgumentError("an externref argument of no value");
      }
      return Val::ExternRef(refs.Get(*value.host_ref));
    default:
      return Val::FromBits(value.type, value.bits());
  }
}

ValueBytes ToBytes(const Val& value) {
  ValueBytes bytes{};
  const uint64_t low = value.bits();
  std::memcpy(bytes.data(), &low, sizeof low);
  if (value.type() == ValType::kV128) {
    const uint64_t high = value.v128_high();
    std::memcpy(bytes.data() + 8, &high, sizeof high);
  }
  return bytes;
}

bool ResultMatches(const SpecValue& expected, const Val& got, HostRefs& refs) {
  if (got.type() != expected.type) return false;
  const bool is_ref = expected.type == ValType::kFuncRef ||
                      expected.type == ValType::kExternRef;
  if (!is_ref) return Matches(expected, ToBytes(got));
  if (expected.is_null) return got.is_null();
  if (expected.host_ref.has_value()) {
    return got.externref() == refs.Get(*expected.host_ref);
  }
  return !got.is_null();
}

absl::StatusOr<Val> GetGlobal(const Instance& instance,
                              absl::string_view name) {
  WASMHOST_ASSIGN_OR_RETURN(Global global, instance.GetGlobal(name));
  return global.Get();
}

absl::Status RegisterInstance(Linker& linker, absl::string_view as,
                              const Instance& instance) {
  return linker.DefineInstance(as, instance);
}

}  // namespace wasmhost::spec
