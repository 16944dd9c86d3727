// lib/component/canonical_abi_testing.h: what the canonical ABI tests share.
//
//   ExpectStatus  asserts a status code and a message substring
//   TestMemory    a GuestMemory over a byte vector with a bump-allocator
//                 realloc (the one canonical_abi_golden.py implements) and
//                 knobs to make realloc fail or misbehave
//   TypeBuilder   adds WIT types to a TypeArena in one call each

#ifndef WASMHOST_LIB_COMPONENT_CANONICAL_ABI_TESTING_H_
#define WASMHOST_LIB_COMPONENT_CANONICAL_ABI_TESTING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/component/canonical_abi.h"
#include "lib/component/types.h"

namespace wasmhost::component::testing {

inline void ExpectStatus(const absl::Status& status, absl::StatusCode code,
                         absl::string_view substr) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_NE(status.message().find(substr), absl::string_view::npos)
      << "'" << status.message() << "' lacks '" << substr << "'";
}

// Allocations start at kHeapBase, aligned; shrinking keeps the pointer;
// growing moves to fresh memory and copies the old bytes.
class TestMemory : public GuestMemory {
 public:
  static constexpr uint32_t kHeapBase = 16;

  explicit TestMemory(size_t size = 512) : bytes_(size) {}

  absl::Span<uint8_t> Bytes() override { return absl::MakeSpan(bytes_); }

  absl::StatusOr<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size,
                                   uint32_t align, uint32_t new_size) override {
    calls.push_back({old_ptr, old_size, align, new_size});
    if (!fail.ok()) return fail;
    if (result.has_value()) return *result;
    if (old_ptr != 0 && new_size <= old_size) return old_ptr;
    const uint32_t ptr = (top + align - 1) / align * align;
    top = ptr + new_size;
    if (top > bytes_.size()) return absl::ResourceExhaustedError("heap full");
    std::copy_n(bytes_.begin() + old_ptr, std::min(old_size, new_size),
                bytes_.begin() + ptr);
    return ptr;
  }

  // The bytes allocated so far: [kHeapBase, top).
  std::vector<uint8_t> Heap() const {
    return {bytes_.begin() + kHeapBase, bytes_.begin() + top};
  }

  struct Call {
    uint32_t old_ptr, old_size, align, new_size;
  };
  std::vector<Call> calls;
  absl::Status fail;               // Realloc returns it when not OK
  std::optional<uint32_t> result;  // Realloc returns it when set
  uint32_t top = kHeapBase;

 private:
  std::vector<uint8_t> bytes_;
};

class TypeBuilder {
 public:
  TypeArena& arena() { return arena_; }

  TypeId Prim(TypeKind kind) { return TypeArena::Primitive(kind); }
  TypeId List(TypeId element, uint32_t fixed_length = 0) {
    Type t{TypeKind::kList};
    t.element = element;
    t.fixed_length = fixed_length;
    return arena_.Add(std::move(t));
  }
  TypeId Record(std::vector<Field> fields) {
    Type t{TypeKind::kRecord};
    t.fields = std::move(fields);
    return arena_.Add(std::move(t));
  }
  TypeId Tuple(const std::vector<TypeId>& types) {
    Type t{TypeKind::kTuple};
    for (TypeId e : types) t.fields.push_back({"", e});
    return arena_.Add(std::move(t));
  }
  TypeId Variant(std::vector<Case> cases) {
    Type t{TypeKind::kVariant};
    t.cases = std::move(cases);
    return arena_.Add(std::move(t));
  }
  TypeId Labelled(TypeKind kind, size_t n) {  // kEnum, kFlags
    Type t{kind};
    for (size_t i = 0; i < n; ++i) t.labels.push_back("l" + std::to_string(i));
    return arena_.Add(std::move(t));
  }
  TypeId Option(TypeId element) {
    Type t{TypeKind::kOption};
    t.element = element;
    return arena_.Add(std::move(t));
  }
  TypeId Result(std::optional<TypeId> ok, std::optional<TypeId> error) {
    Type t{TypeKind::kResult};
    t.ok = ok;
    t.error = error;
    return arena_.Add(std::move(t));
  }
  TypeId Resource() { return arena_.Add(Type{TypeKind::kResource}); }
  TypeId Handle(TypeKind kind, TypeId resource) {  // kOwn, kBorrow
    Type t{kind};
    t.element = resource;
    return arena_.Add(std::move(t));
  }
  TypeId Func(const std::vector<TypeId>& params, std::optional<TypeId> result) {
    Type t{TypeKind::kFunc};
    for (TypeId p : params) t.fields.push_back({"p", p});
    t.ok = result;
    return arena_.Add(std::move(t));
  }

 private:
  TypeArena arena_;
};

}  // namespace wasmhost::component::testing

#endif  // WASMHOST_LIB_COMPONENT_CANONICAL_ABI_TESTING_H_
