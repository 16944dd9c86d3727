// A resident's WASI state: checked, read and put back.

#include "lib/wasi/carry.h"

#include "absl/strings/str_cat.h"
#include "lib/wasi/context.h"

namespace wasmhost::wasi {

absl::StatusOr<CarriedWasiState> WasiContextImpl::Carry() const {
  const size_t initial_count = 3 + preopens_.size();
  for (const auto& [number, entry] : fds_) {
    if (!IsInitialAt(number, entry)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the guest holds fd ", number,
          (entry.kind == Kind::kFile || entry.kind == Kind::kDir)
              ? ", a host file or directory it opened"
              : ", moved from where it was created",
          ": a snapshot cannot carry it (close it before the snapshot)"));
    }
    const Fd initial =
        number < 3 ? MakeStdio(number) : MakePreopen(*entry.preopen);
    if (entry.fdflags != initial.fdflags ||
        entry.rights_base != initial.rights_base ||
        entry.rights_inheriting != initial.rights_inheriting) {
      return absl::FailedPreconditionError(
          absl::StrCat("fd ", number,
                       " has other rights or flags than it was created "
                       "with: a snapshot cannot carry them"));
    }
  }
  if (fds_.size() != initial_count) {
    return absl::FailedPreconditionError(
        "the guest closed stdio or a preopen: a snapshot cannot carry that");
  }
  CarriedWasiState carried;
  if (virtual_clock_) carried.virtual_now = virtual_now_;
  if (prng_) carried.random_state = prng_->state();
  return carried;
}

absl::Status WasiContextImpl::Resume(const CarriedWasiState& carried) {
  if (carried.virtual_now.has_value() != virtual_clock_.has_value()) {
    return absl::InvalidArgumentError(
        carried.virtual_now ? "the snapshot has a virtual clock, the "
                              "context the host's clocks"
                            : "the context has a virtual clock, the "
                              "snapshot the host's clocks");
  }
  if (carried.random_state.has_value() != prng_.has_value()) {
    return absl::InvalidArgumentError(
        carried.random_state ? "the snapshot has a seeded random stream, "
                               "the context the host's randomness"
                             : "the context has a seeded random stream, "
                               "the snapshot the host's randomness");
  }
  if (carried.virtual_now) virtual_now_ = *carried.virtual_now;
  if (carried.random_state) {
    prng_ = Xoshiro256::FromState(*carried.random_state);
  }
  return absl::OkStatus();
}

absl::StatusOr<CarriedWasiState> CarryWasiState(const WasiContext& context) {
  // WasiContext::Create makes only WasiContextImpls.
  return static_cast<const WasiContextImpl&>(context).Carry();
}

absl::Status ResumeWasiState(WasiContext& context,
                             const CarriedWasiState& carried) {
  return static_cast<WasiContextImpl&>(context).Resume(carried);
}

}  // namespace wasmhost::wasi
