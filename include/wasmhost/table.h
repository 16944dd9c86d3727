// wasmhost/table.h: a WebAssembly table outside the guest.
//
//   Table  a table of references: an instance's export, or made by the host
//          to be imported through a Linker

#ifndef WASMHOST_TABLE_H_
#define WASMHOST_TABLE_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wasmhost/export.h"
#include "wasmhost/module.h"
#include "wasmhost/value.h"

namespace wasmhost {

namespace internal {
struct ExternState;
}  // namespace internal

// A handle to a table of funcref or externref elements: Instance::GetTable
// gives an instance's exported table, Table::Create a new one that
// Linker::Define grants to guests. Instances importing the same table share
// it (e.g. one instance's call_indirect reaches functions another stored).
// Cheap to copy; copies refer to the same table. A handle keeps the table
// (and the instance that exported it) alive.
//
// Thread-affine: the table lives in the isolate of the thread that made it
// (Create, or the exporting instance's thread). Use and destroy handles on
// that thread; elsewhere methods return FailedPrecondition (size() 0).
class WASMHOST_EXPORT Table {
 public:
  // A new table of `type` with every element `init`, in the calling
  // thread's isolate. Returns:
  //   FailedPrecondition no Engine has been created yet
  //   InvalidArgument    type.element is not a reference type, init's type
  //                      is not type.element, or min_size > max_size
  //   ResourceExhausted  the engine cannot make a table that large
  [[nodiscard]] static absl::StatusOr<Table> Create(const TableType& type,
                                                    const Val& init);

  // The type the table was made (or declared) with; size() is its current
  // size.
  [[nodiscard]] const TableType& type() const;
  // The number of elements; 0 on another thread.
  [[nodiscard]] uint64_t size() const;

  // Element `index`. Returns OutOfRange when index >= size(), and
  // FailedPrecondition on another thread.
  [[nodiscard]] absl::StatusOr<Val> Get(uint64_t index) const;

  // Sets element `index`. Returns OutOfRange and FailedPrecondition as Get,
  // and InvalidArgument when value's type is not type().element.
  absl::Status Set(uint64_t index, const Val& value) const;

  // Appends `delta` elements set to `init`; returns the previous size.
  // Returns:
  //   ResourceExhausted   the new size would pass the table's maximum (or
  //                       the engine's limit); nothing changed
  //   InvalidArgument     init's type is not type().element
  //   FailedPrecondition  another thread
  absl::StatusOr<uint64_t> Grow(uint64_t delta, const Val& init) const;

 private:
  friend class Instance;
  friend class Linker;
  explicit Table(std::shared_ptr<const internal::ExternState> state)
      : state_(std::move(state)) {}

  std::shared_ptr<const internal::ExternState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_TABLE_H_
