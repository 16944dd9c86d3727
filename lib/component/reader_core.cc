// lib/component/reader_core.cc: the Reader's core modules, core types and core
// instances.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/component/reader_impl.h"
#include "lib/wasm/reader.h"

namespace wasmhost::component::reader_internal {

absl::Status Reader::ReadCoreModule(BinaryReader& r, ComponentDef* def) {
  CoreModule m;
  m.offset = r.offset();
  m.size = r.remaining();
  const absl::Span<const uint8_t> module = bytes_.subspan(m.offset, m.size);
  absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(module);
  absl::Status valid = info.status();
  if (valid.ok() && options_.validate_core_module) {
    valid = options_.validate_core_module(module);
    // Only a verdict on the module is the module's fault.
    if (!valid.ok() && !absl::IsInvalidArgument(valid)) return valid;
  }
  if (!valid.ok()) {
    return r.Error(m.offset,
                   absl::StrCat("invalid core module (offsets from its "
                                "start): ",
                                valid.message()));
  }
  m.info = *std::move(info);
  CoreType type;
  type.is_module = true;
  absl::flat_hash_set<std::pair<std::string, std::string>> import_names;
  for (const wasm::Import& i : m.info.imports) {
    WASMHOST_RETURN_IF_ERROR(
        CheckCoreImportUnique(r, m.offset, import_names, i.module, i.name));
    type.imports.push_back({i.module, i.name, ExternKindCoreCode(i.kind)});
  }
  for (const wasm::Export& e : m.info.exports) {
    type.exports.push_back({"", e.name, ExternKindCoreCode(e.kind)});
  }
  const uint32_t core_type = arena_.AddCore(std::move(type));
  module_entities_[core_type] = EntitiesOf(m.info);
  scope_->core_modules.push_back(core_type);
  def->core_modules.push_back(std::move(m));
  Order(def, Definition::Kind::kCoreModule, def->core_modules.size());
  return r.Skip(r.remaining());
}

absl::StatusOr<uint32_t> Reader::ReadCoreType(BinaryReader& r, const Scope& s) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  if (code == 0x60) {
    CoreType t;
    WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
    return arena_.AddCore(std::move(t));
  }
  if (code == 0x50) return ReadModuleType(r, s);
  // `(sub final? (func ...))` without supertypes (0x00 0x50 is the
  // non-final form, 0x4f the final one) is a plain function type as far
  // as components go; other GC types are not supported.
  if (code == 0x00 || code == 0x4f) {
    uint8_t sub = 0x50;
    if (code == 0x00) WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sub));
    uint32_t supertypes = 0;
    uint8_t comp = 0;
    if (sub == 0x50) WASMHOST_RETURN_IF_ERROR(r.ReadU32(&supertypes));
    if (sub == 0x50 && supertypes == 0) {
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&comp));
    }
    if (comp == 0x60) {
      CoreType t;
      WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
      return arena_.AddCore(std::move(t));
    }
  }
  if (code == 0x00 || code == 0x4e || code == 0x4f || code == 0x5e ||
      code == 0x5f) {
    return r.Error(at,
                   "GC core types other than function subtypes "
                   "without supertypes are not supported");
  }
  return r.Error(at, absl::StrFormat("unknown core type opcode 0x%02x", code));
}

absl::Status Reader::ReadCoreFuncType(BinaryReader& r, CoreFuncType* out) {
  for (std::vector<ValType>* list : {&out->params, &out->results}) {
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
      ValType v;
      WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &v));
      list->push_back(v);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::Status Reader::CheckCoreImportUnique(
    BinaryReader& r, size_t at,
    absl::flat_hash_set<std::pair<std::string, std::string>>& seen,
    const std::string& module, const std::string& name) {
  if (!seen.insert({module, name}).second) {
    return r.Error(at, absl::StrCat("duplicate core import name \"", module,
                                    ":", name, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> Reader::ReadModuleType(BinaryReader& r,
                                                const Scope& s) {
  std::vector<uint32_t> types;
  CoreType module;
  module.is_module = true;
  absl::flat_hash_set<std::pair<std::string, std::string>> import_names;
  WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&]() -> absl::Status {
    const size_t at = r.offset();
    uint8_t kind;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
    switch (kind) {
      case 0x00: {
        CoreType::Entity e;
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.module));
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
        WASMHOST_RETURN_IF_ERROR(
            CheckCoreImportUnique(r, at, import_names, e.module, e.name));
        WASMHOST_ASSIGN_OR_RETURN(e.kind, ReadCoreExternType(r, types));
        module.imports.push_back(std::move(e));
        return absl::OkStatus();
      }
      case 0x01: {
        const size_t type_at = r.offset();
        uint8_t code;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
        if (code != 0x60) {
          return r.Error(type_at,
                         absl::StrFormat("core type 0x%02x in a module type "
                                         "(only function types)",
                                         code));
        }
        CoreType t;
        WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
        types.push_back(arena_.AddCore(std::move(t)));
        return absl::OkStatus();
      }
      case 0x02: {
        const size_t alias_at = r.offset();
        uint8_t sort, target;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&target));
        if (sort != 0x10 || target != 0x01) {
          return r.Error(alias_at,
                         "module type alias other than an outer "
                         "core type alias");
        }
        const size_t count_at = r.offset();
        uint32_t count;
        WASMHOST_RETURN_IF_ERROR(r.ReadU32(&count));
        if (count == 0) {
          WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                    ReadIndex(r, types.size(), "core type"));
          types.push_back(types[index]);
          return absl::OkStatus();
        }
        const Scope* target_scope = &s;
        for (uint32_t i = 1; i < count && target_scope != nullptr; ++i) {
          target_scope = target_scope->parent;
        }
        if (target_scope == nullptr) {
          return r.Error(count_at, absl::StrCat("outer alias count ", count,
                                                " beyond the outermost "
                                                "scope"));
        }
        WASMHOST_ASSIGN_OR_RETURN(
            uint32_t index,
            ReadIndex(r, target_scope->core_types.size(), "core type"));
        const uint32_t t = target_scope->core_types[index];
        if (arena_.core(t).is_module) {
          return r.Error(alias_at,
                         "outer alias of a module type in a "
                         "module type");
        }
        types.push_back(t);
        return absl::OkStatus();
      }
      case 0x03: {
        CoreType::Entity e;
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
        for (const CoreType::Entity& other : module.exports) {
          if (other.name == e.name) {
            return r.Error(
                at, absl::StrCat("duplicate export name \"", e.name, "\""));
          }
        }
        WASMHOST_ASSIGN_OR_RETURN(e.kind, ReadCoreExternType(r, types));
        module.exports.push_back(std::move(e));
        return absl::OkStatus();
      }
      default:
        return r.Error(at, absl::StrFormat(
                               "unknown module type declaration 0x%02x", kind));
    }
  }));
  return arena_.AddCore(std::move(module));
}

absl::StatusOr<uint8_t> Reader::ReadCoreExternType(
    BinaryReader& r, const std::vector<uint32_t>& types) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  switch (code) {
    case 0x00: {
      const size_t index_at = r.offset();
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                ReadIndex(r, types.size(), "core type"));
      if (arena_.core(types[index]).is_module) {
        return r.Error(index_at, absl::StrCat("core type ", index,
                                              " is not a function type"));
      }
      return code;
    }
    case 0x01: {
      ValType element;
      wasm::Limits limits;
      WASMHOST_RETURN_IF_ERROR(wasm::ReadRefType(r, &element));
      WASMHOST_RETURN_IF_ERROR(wasm::ReadLimits(r, false, &limits));
      return code;
    }
    case 0x02: {
      const size_t limits_at = r.offset();
      wasm::Limits limits;
      WASMHOST_RETURN_IF_ERROR(wasm::ReadLimits(r, true, &limits));
      // The core spec's bound for 32-bit memories: 2^16 pages of 64 KiB.
      constexpr uint64_t kMaxMemoryPages = uint64_t{1} << 16;
      if (limits.min > kMaxMemoryPages ||
          limits.max.value_or(0) > kMaxMemoryPages) {
        return r.Error(limits_at,
                       "memory size must be at most 65536 pages "
                       "(4 GiB)");
      }
      return code;
    }
    case 0x03: {
      ValType type;
      WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &type));
      const size_t mut_at = r.offset();
      uint8_t mut;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&mut));
      if (mut > 1) {
        return r.Error(mut_at,
                       absl::StrFormat("invalid mutability 0x%02x", mut));
      }
      return code;
    }
    case 0x04: {
      const size_t attr_at = r.offset();
      uint8_t attribute;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&attribute));
      if (attribute != 0) {
        return r.Error(attr_at, "invalid tag attribute");
      }
      WASMHOST_RETURN_IF_ERROR(
          ReadIndex(r, types.size(), "core type").status());
      return code;
    }
    default:
      return r.Error(at,
                     absl::StrFormat("unknown core extern type 0x%02x", code));
  }
}

absl::Status Reader::ReadCoreInstance(BinaryReader& r, ComponentDef* def) {
  Scope& s = *scope_;
  const size_t at = r.offset();
  uint8_t form;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
  CoreInstance instance;
  absl::flat_hash_map<std::string, CoreEntity> exports;
  if (form == 0x00) {
    WASMHOST_ASSIGN_OR_RETURN(
        uint32_t module, ReadIndex(r, s.core_modules.size(), "core module"));
    instance.module = module;
    absl::flat_hash_set<std::string> names;
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
      const size_t arg_at = r.offset();
      CoreInstance::Arg arg;
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&arg.name));
      if (!names.insert(arg.name).second) {
        return r.Error(arg_at,
                       absl::StrCat("duplicate argument \"", arg.name, "\""));
      }
      const size_t sort_at = r.offset();
      uint8_t sort;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
      if (sort != 0x12) {
        return r.Error(sort_at,
                       "core instantiation argument that is not "
                       "an instance");
      }
      WASMHOST_ASSIGN_OR_RETURN(
          arg.instance, ReadIndex(r, s.core_instances.size(), "core instance"));
      instance.args.push_back(std::move(arg));
      return absl::OkStatus();
    }));
    const CoreType& type = arena_.core(s.core_modules[module]);
    auto typed = module_entities_.find(s.core_modules[module]);
    for (size_t i = 0; i < type.imports.size(); ++i) {
      const CoreType::Entity& import = type.imports[i];
      auto arg = std::find_if(
          instance.args.begin(), instance.args.end(),
          [&](const CoreInstance::Arg& a) { return a.name == import.module; });
      if (arg == instance.args.end()) {
        return r.Error(at,
                       absl::StrCat("no argument for module \"", import.module,
                                    "\" of core module ", module));
      }
      const auto& provided = s.core_instances[arg->instance];
      auto it = provided.find(import.name);
      if (it == provided.end() || it->second.kind != import.kind) {
        return r.Error(
            at, absl::StrCat("core instance ", arg->instance,
                             " does not export ", CoreSortName(import.kind),
                             " \"", import.name, "\" (imported from \"",
                             import.module, "\" by core module ", module, ")"));
      }
      if (typed == module_entities_.end()) continue;
      if (absl::Status st =
              CheckCoreEntity(it->second, typed->second.imports[i].entity);
          !st.ok()) {
        return r.Error(
            at, absl::StrCat("core instance ", arg->instance, "'s \"",
                             import.name, "\" does not match the import \"",
                             import.module, "\" \"", import.name,
                             "\" of core module ", module, ": ", st.message()));
      }
    }
    if (typed != module_entities_.end()) {
      exports = typed->second.exports;
    } else {
      for (const CoreType::Entity& e : type.exports) {
        CoreEntity entity;
        entity.kind = e.kind;
        exports.emplace(e.name, entity);
      }
    }
  } else if (form == 0x01) {
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
      const size_t export_at = r.offset();
      CoreInstance::Export e;
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
      WASMHOST_ASSIGN_OR_RETURN(uint8_t sort, ReadCoreSort(r));
      if (sort > kCoreTagCode) {
        return r.Error(export_at,
                       "core instance export of a type, module "
                       "or instance");
      }
      WASMHOST_ASSIGN_OR_RETURN(
          e.item.index, ReadIndex(r, CoreCount(s, sort),
                                  absl::StrCat("core ", CoreSortName(sort))));
      e.item.sort = CoreSortToSort(sort);
      CoreEntity entity;
      entity.kind = sort;
      if (sort == kCoreFuncCode) entity = s.core_funcs[e.item.index];
      if (!exports.emplace(e.name, entity).second) {
        return r.Error(export_at,
                       absl::StrCat("duplicate export name \"", e.name, "\""));
      }
      instance.exports.push_back(std::move(e));
      return absl::OkStatus();
    }));
  } else {
    return r.Error(at,
                   absl::StrFormat("unknown core instance form 0x%02x", form));
  }
  s.core_instances.push_back(std::move(exports));
  def->core_instances.push_back(std::move(instance));
  Order(def, Definition::Kind::kCoreInstance, def->core_instances.size());
  return absl::OkStatus();
}

}  // namespace wasmhost::component::reader_internal
