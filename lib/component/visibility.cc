#include "lib/component/visibility.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

bool IsNameable(TypeKind kind) {
  switch (kind) {
    case TypeKind::kRecord:
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kFlags:
    case TypeKind::kResource:
      return true;
    default:
      return false;
  }
}

// One walk over a type, with the sets that name types (innermost scope
// last) and the types already found fine under them.
class Walker {
 public:
  Walker(const TypeArena& arena, std::vector<const NamedTypes*> named)
      : arena_(arena), named_(std::move(named)) {}

  absl::Status Desc(const ExternDesc& d) {
    switch (d.kind) {
      case ExternKind::kCoreModule:
      case ExternKind::kComponent:
        return absl::OkStatus();
      case ExternKind::kValue:
        return Walk(d.type, /*top=*/false);
      default:
        return Walk(d.type, /*top=*/true);
    }
  }

 private:
  bool Named(TypeId id) const {
    for (const NamedTypes* set : named_) {
      if (set->contains(id)) return true;
    }
    return false;
  }

  absl::Status Walk(TypeId id, bool top) {
    const Type& t = arena_[id];
    if (IsPrimitive(t.kind) || fine_.contains(id)) return absl::OkStatus();
    if (IsNameable(t.kind) && !top) {
      if (Named(id)) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("it uses a ", TypeKindName(t.kind),
                       " type that no earlier import or export names"));
    }
    if (t.kind == TypeKind::kInstance) {
      // Its type exports name the types its later exports use.
      NamedTypes local;
      std::vector<const NamedTypes*> named = named_;
      named.push_back(&local);
      Walker inner(arena_, std::move(named));
      for (const ExternDecl& e : t.exports) {
        WASMHOST_RETURN_IF_ERROR(inner.Desc(e.desc));
        AddNamed(arena_, e.desc, &local);
      }
      fine_.insert(id);
      return absl::OkStatus();
    }
    if (t.kind == TypeKind::kComponent) return absl::OkStatus();
    for (const Field& f : t.fields) {
      WASMHOST_RETURN_IF_ERROR(Walk(f.type, false));
    }
    for (const Case& c : t.cases) {
      if (c.type.has_value()) WASMHOST_RETURN_IF_ERROR(Walk(*c.type, false));
    }
    for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
      if (o.has_value()) WASMHOST_RETURN_IF_ERROR(Walk(*o, false));
    }
    fine_.insert(id);
    return absl::OkStatus();
  }

  const TypeArena& arena_;
  std::vector<const NamedTypes*> named_;
  // Types found fine: shared parts of a type DAG are walked once.
  NamedTypes fine_;
};

}  // namespace

absl::Status CheckVisible(const TypeArena& arena, const ExternDesc& desc,
                          absl::string_view what, const NamedTypes& named,
                          const NamedTypes* also_named) {
  std::vector<const NamedTypes*> sets = {&named};
  if (also_named != nullptr) sets.push_back(also_named);
  absl::Status s = Walker(arena, std::move(sets)).Desc(desc);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(ExternKindName(desc.kind),
                                                 " not valid to be used as ",
                                                 what, ": ", s.message()));
}

void AddNamed(const TypeArena& arena, const ExternDesc& desc,
              NamedTypes* named) {
  if (desc.kind == ExternKind::kType) {
    named->insert(desc.type);
  } else if (desc.kind == ExternKind::kInstance) {
    for (const ExternDecl& e : arena[desc.type].exports) {
      AddNamed(arena, e.desc, named);
    }
  }
}

}  // namespace wasmhost::component
