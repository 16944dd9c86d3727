// A resident's WASI state: checked, read and put back.

#include "lib/wasi/carry.h"

#include <optional>
#include <utility>

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

std::optional<CarriedStdioStream> StdioStreamAt(const WasiContext& context,
                                                uint32_t rep) {
  const p2::Resources& resources =
      static_cast<const WasiContextImpl&>(context).resources();
  if (const auto* input = resources.Get<p2::InputStream>(rep)) {
    if (input->kind != p2::StreamKind::kStdio) return std::nullopt;
    return CarriedStdioStream{CarriedStdioStream::Kind::kStdin, input->closed};
  }
  if (const auto* output = resources.Get<p2::OutputStream>(rep)) {
    if (output->kind != p2::StreamKind::kStdio) return std::nullopt;
    return CarriedStdioStream{output->to_stderr
                                  ? CarriedStdioStream::Kind::kStderr
                                  : CarriedStdioStream::Kind::kStdout,
                              output->closed};
  }
  return std::nullopt;
}

absl::StatusOr<uint32_t> AddStdioStream(WasiContext& context,
                                        const CarriedStdioStream& stream) {
  p2::Object object;
  if (stream.kind == CarriedStdioStream::Kind::kStdin) {
    p2::InputStream input;
    input.closed = stream.closed;
    object = std::move(input);
  } else {
    p2::OutputStream output;
    output.to_stderr = stream.kind == CarriedStdioStream::Kind::kStderr;
    output.closed = stream.closed;
    object = std::move(output);
  }
  std::optional<uint32_t> rep =
      static_cast<WasiContextImpl&>(context).resources().Add(std::move(object));
  if (!rep.has_value()) {
    return absl::ResourceExhaustedError("the WASI 0.2 resource table is full");
  }
  return *rep;
}

}  // namespace wasmhost::wasi
