// lib/component/reader_canon.cc: the Reader's canonical functions and their
// options.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/component/reader_impl.h"
#include "lib/wasm/reader.h"

namespace wasmhost::component::reader_internal {

absl::Status Reader::ReadCanonOptions(BinaryReader& r, const Scope& s,
                                      CanonOptions* out) {
  bool seen[8] = {};
  return ReadVec(r, 1, [&]() -> absl::Status {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    if (code > 0x07) {
      return r.Error(at,
                     absl::StrFormat("unknown canonical option 0x%02x", code));
    }
    // The three encodings conflict with each other as well.
    const int slot = code <= 0x02 ? 0 : code;
    if (seen[slot]) {
      return r.Error(at, code <= 0x02 ? "conflicting string encodings"
                                      : "duplicate canonical option");
    }
    seen[slot] = true;
    switch (code) {
      case 0x00:
      case 0x01:
      case 0x02:
        out->string_encoding = static_cast<StringEncoding>(code);
        return absl::OkStatus();
      case 0x03: {
        WASMHOST_ASSIGN_OR_RETURN(
            uint32_t m, ReadIndex(r, s.core_counts[2], "core memory"));
        out->memory = m;
        return absl::OkStatus();
      }
      case 0x06:
        out->async = true;
        return absl::OkStatus();
      default: {
        WASMHOST_ASSIGN_OR_RETURN(uint32_t f,
                                  ReadIndex(r, s.core_counts[0], "core func"));
        (code == 0x04   ? out->realloc
         : code == 0x05 ? out->post_return
                        : out->callback) = f;
        return absl::OkStatus();
      }
    }
  });
}

absl::Status Reader::ReadOtherBuiltin(BinaryReader& r, size_t at, uint8_t code,
                                      const Scope& s, Canon* canon) {
  canon->kind = Canon::Kind::kOtherBuiltin;
  // A flag byte that must be 0 or 1 (async?, cancel?, shared?).
  auto flag = [&r]() -> absl::Status {
    const size_t flag_at = r.offset();
    uint8_t b;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&b));
    if (b > 1) {
      return r.Error(flag_at, absl::StrFormat("invalid flag 0x%02x", b));
    }
    return absl::OkStatus();
  };
  auto type = [&]() -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(uint32_t t, ReadIndex(r, s.types.size(), "type"));
    canon->type = s.types[t];
    return absl::OkStatus();
  };
  auto core_type = [&]() {
    return ReadIndex(r, s.core_types.size(), "core type").status();
  };
  auto options = [&]() { return ReadCanonOptions(r, s, &canon->options); };
  switch (code) {
    case 0x05:  // task.cancel
    case 0x0d:  // subtask.drop
    case 0x1e:  // error-context.drop
    case 0x1f:  // waitable-set.new
    case 0x22:  // waitable-set.drop
    case 0x23:  // waitable.join
    case 0x24:  // backpressure.inc
    case 0x25:  // backpressure.dec
    case 0x26:  // thread.index
    case 0x28:  // thread.resume-later
      return absl::OkStatus();
    case 0x09: {  // task.return
      WASMHOST_ASSIGN_OR_RETURN(std::optional<TypeId> result,
                                ReadResultList(r, s));
      if (result.has_value()) canon->type = *result;
      return options();
    }
    case 0x0a:    // context.get
    case 0x0b: {  // context.set
      ValType v;
      WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &v));
      uint32_t slot;
      return r.ReadU32(&slot);
    }
    case 0x06:  // subtask.cancel
    case 0x0c:  // thread.yield
    case 0x29:  // thread.suspend
    case 0x2a:
    case 0x2b:
    case 0x2c:
    case 0x2d:
    case 0x42:  // thread.available-parallelism
      return flag();
    case 0x0e:  // stream.new
    case 0x13:  // stream.drop-readable
    case 0x14:  // stream.drop-writable
    case 0x15:  // future.new
    case 0x1a:  // future.drop-readable
    case 0x1b:  // future.drop-writable
      return type();
    case 0x0f:  // stream.read
    case 0x10:  // stream.write
    case 0x16:  // future.read
    case 0x17:  // future.write
      WASMHOST_RETURN_IF_ERROR(type());
      return options();
    case 0x11:  // stream.cancel-read
    case 0x12:  // stream.cancel-write
    case 0x18:  // future.cancel-read
    case 0x19:  // future.cancel-write
      WASMHOST_RETURN_IF_ERROR(type());
      return flag();
    case 0x1c:  // error-context.new
    case 0x1d:  // error-context.debug-message
      return options();
    case 0x20:  // waitable-set.wait
    case 0x21:  // waitable-set.poll
      WASMHOST_RETURN_IF_ERROR(flag());
      return ReadIndex(r, s.core_counts[2], "core memory").status();
    case 0x27:  // thread.new-indirect
      WASMHOST_RETURN_IF_ERROR(core_type());
      return ReadIndex(r, s.core_counts[1], "core table").status();
    case 0x40:  // thread.spawn-ref
      WASMHOST_RETURN_IF_ERROR(flag());
      return core_type();
    case 0x41:  // thread.spawn-indirect
      WASMHOST_RETURN_IF_ERROR(flag());
      WASMHOST_RETURN_IF_ERROR(core_type());
      return ReadIndex(r, s.core_counts[1], "core table").status();
    default:
      return r.Error(
          at, absl::StrFormat("unknown canonical function 0x%02x", code));
  }
}

void Reader::AddCoreFunc(Scope& s, CoreEntity entity) {
  ++s.core_counts[0];
  s.core_funcs.push_back(std::move(entity));
}

absl::Status Reader::CheckCoreFunc(BinaryReader& r, size_t at, const Scope& s,
                                   uint32_t func, const CoreFuncType& expected,
                                   absl::string_view what) {
  const CoreEntity& given = s.core_funcs[func];
  if (absl::Status st = CheckCoreEntity(given, FuncEntity(expected));
      !st.ok()) {
    return r.Error(at,
                   absl::StrCat(what, " (core func ", func,
                                ") has the wrong signature: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status Reader::CheckCanonOptions(BinaryReader& r, size_t at, bool lift,
                                       const Canon& canon) {
  const CanonOptions& o = canon.options;
  const char* what = lift ? "canon lift" : "canon lower";
  if (o.realloc.has_value() && !o.memory.has_value()) {
    return r.Error(at, absl::StrCat(what,
                                    ": canonical option `realloc` "
                                    "requires `memory`"));
  }
  if (!lift && o.post_return.has_value()) {
    return r.Error(at,
                   "canon lower: canonical option `post-return` is "
                   "only allowed on lifts");
  }
  const Type& f = arena_[canon.type];
  bool params_in_memory = false;
  for (const Field& p : f.fields) {
    params_in_memory |= flat_.ContainsStringOrList(p.type);
  }
  const bool result_in_memory =
      f.ok.has_value() && flat_.ContainsStringOrList(*f.ok);
  // Async calls have limits of their own and always need `memory`
  // (checked by the async built-ins' users, not here).
  const bool params_spill =
      !o.async && flat_.FlatCount(f.fields) > kMaxFlatParams;
  const bool results_spill =
      !o.async && f.ok.has_value() && flat_.FlatCount(*f.ok) > kMaxFlatResults;
  // The side that receives a string or list (or spilled parameters)
  // allocates it with realloc; the side that gives one needs only memory.
  const bool needs_realloc =
      lift ? params_in_memory || params_spill : result_in_memory;
  const bool needs_memory = needs_realloc || params_in_memory ||
                            result_in_memory || params_spill || results_spill;
  if (needs_memory && !o.memory.has_value()) {
    return r.Error(at, absl::StrCat(what,
                                    ": canonical option `memory` is "
                                    "required by the function type"));
  }
  if (needs_realloc && !o.realloc.has_value()) {
    return r.Error(at, absl::StrCat(what,
                                    ": canonical option `realloc` is "
                                    "required by the function type"));
  }
  const Scope& s = *scope_;
  if (o.realloc.has_value()) {
    WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(
        r, at, s, *o.realloc,
        {{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32},
         {ValType::kI32}},
        "canonical option `realloc`"));
  }
  if (o.async) return absl::OkStatus();  // Async signatures differ.
  const CoreFuncType core = FlattenFuncType(arena_, flat_, canon.type, lift);
  if (lift) {
    WASMHOST_RETURN_IF_ERROR(
        CheckCoreFunc(r, at, s, canon.func, core, "the lifted function"));
  }
  if (o.post_return.has_value()) {
    WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(r, at, s, *o.post_return,
                                           {core.results, {}},
                                           "canonical option `post-return`"));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadCanon(BinaryReader& r, ComponentDef* def) {
  Scope& s = *scope_;
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  Canon canon;
  canon.opcode = code;
  switch (code) {
    case 0x00:
    case 0x01: {
      const size_t sort_at = r.offset();
      uint8_t sort;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
      if (sort != 0x00) {
        return r.Error(sort_at, absl::StrFormat("canon %s of sort 0x%02x "
                                                "(0x00, func, expected)",
                                                code ? "lower" : "lift", sort));
      }
      if (code == 0x00) {
        canon.kind = Canon::Kind::kLift;
        WASMHOST_ASSIGN_OR_RETURN(canon.func,
                                  ReadIndex(r, s.core_counts[0], "core func"));
        WASMHOST_RETURN_IF_ERROR(ReadCanonOptions(r, s, &canon.options));
        const size_t type_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(uint32_t t,
                                  ReadIndex(r, s.types.size(), "type"));
        canon.type = s.types[t];
        if (arena_[canon.type].kind != TypeKind::kFunc) {
          return r.Error(type_at,
                         absl::StrCat("type ", t, " is a ",
                                      TypeKindName(arena_[canon.type].kind),
                                      " type, not a func type"));
        }
        WASMHOST_RETURN_IF_ERROR(
            CheckCanonOptions(r, at, /*lift=*/true, canon));
        s.funcs.push_back(canon.type);
      } else {
        canon.kind = Canon::Kind::kLower;
        WASMHOST_ASSIGN_OR_RETURN(canon.func,
                                  ReadIndex(r, s.funcs.size(), "func"));
        canon.type = s.funcs[canon.func];
        WASMHOST_RETURN_IF_ERROR(ReadCanonOptions(r, s, &canon.options));
        WASMHOST_RETURN_IF_ERROR(
            CheckCanonOptions(r, at, /*lift=*/false, canon));
        CoreEntity lowered;  // Async lowerings: not typed here.
        if (!canon.options.async) {
          lowered = FuncEntity(FlattenFuncType(arena_, flat_, canon.type,
                                               /*lift=*/false));
        }
        AddCoreFunc(s, std::move(lowered));
      }
      break;
    }
    case 0x02:
    case 0x03:
    case 0x04: {
      canon.kind = code == 0x02   ? Canon::Kind::kResourceNew
                   : code == 0x03 ? Canon::Kind::kResourceDrop
                                  : Canon::Kind::kResourceRep;
      const size_t type_at = r.offset();
      WASMHOST_ASSIGN_OR_RETURN(canon.type, ReadResourceIndex(r, s));
      if (code != 0x03 && !arena_[canon.type].defined) {
        return r.Error(type_at,
                       absl::StrCat("resource.", code == 0x02 ? "new" : "rep",
                                    " of a resource this component "
                                    "does not define"));
      }
      // (rep: i32) for drop; handle to rep and back for new and rep.
      AddCoreFunc(
          s, FuncEntity({{ValType::kI32},
                         code == 0x03 ? std::vector<ValType>{}
                                      : std::vector<ValType>{ValType::kI32}}));
      break;
    }
    default:
      WASMHOST_RETURN_IF_ERROR(ReadOtherBuiltin(r, at, code, s, &canon));
      AddCoreFunc(s, CoreEntity{});
      break;
  }
  def->canons.push_back(std::move(canon));
  Order(def, Definition::Kind::kCanon, def->canons.size());
  return absl::OkStatus();
}

}  // namespace wasmhost::component::reader_internal
