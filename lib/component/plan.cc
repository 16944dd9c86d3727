#include "lib/component/plan.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

// A component-level function while planning: an import of the root (by
// interface and name) or a canon lift (an index into `lifted`).
struct FuncVal {
  bool imported = false;
  std::string interface;
  std::string name;
  TypeId type = 0;
  uint32_t scope = 0;  // Whose view of the types `type` is (see ResourceKey).
  uint32_t lifted = 0;
};

struct InstanceVal;
struct Scope;

// A resource TypeId in one scope's view (by its handle table's index),
// ResourceIdentity applied.
using ResourceKey = std::pair<uint32_t, TypeId>;

// A component definition with the scope it was defined in, which its outer
// aliases read (a nested component is a closure over its parent's
// instantiation). Scopes live as long as the Planner.
struct ComponentVal {
  const ComponentDef* def = nullptr;
  const Scope* parent = nullptr;
};

// Whatever a component-level index space can hold that the plan follows.
struct ItemVal {
  Sort sort = Sort::kFunc;
  FuncVal func;
  std::shared_ptr<InstanceVal> instance;
  ComponentVal component;
  uint32_t core_module = 0;
  TypeId type = 0;     // kType: the type, resolved,
  uint32_t scope = 0;  // in this scope's view.
};

// A component instance: an import of the root (its functions are host
// functions of interface `imported`), or a bag of items (an inline
// instance, or a nested component's exports).
struct InstanceVal {
  std::optional<std::string> imported;
  TypeId type = 0;
  uint32_t scope = 0;  // Whose view of the types `type` is.
  std::vector<std::pair<std::string, ItemVal>> items;
};

// A core instance: a step of the plan, or a bag of core items.
struct CoreInstanceVal {
  std::optional<uint32_t> step;
  std::vector<std::pair<std::string, CoreItem>> items;
};

// One component's index spaces while its definitions are walked.
struct Scope {
  const ComponentDef* def = nullptr;
  const Scope* parent = nullptr;
  uint32_t table = 0;  // Its component instance's handle table.
  std::vector<CoreItem> core_funcs, core_tables, core_memories, core_globals;
  std::vector<CoreInstanceVal> core_instances;
  std::vector<uint32_t> core_modules;
  std::vector<FuncVal> funcs;
  std::vector<std::shared_ptr<InstanceVal>> instances;
  std::vector<ComponentVal> components;
  // The nested component's import bindings (by import name); unused for
  // the root.
  const std::vector<std::pair<std::string, ItemVal>>* args = nullptr;
  std::vector<std::pair<std::string, ItemVal>> exports;
};

absl::Status Unsupported(absl::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat("components with ", what, " are not supported yet"));
}

absl::Status Inconsistent(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("component plan: ", what, " is out of range"));
}

template <typename T>
absl::StatusOr<T> At(const std::vector<T>& space, uint32_t index,
                     absl::string_view what) {
  if (index >= space.size()) return Inconsistent(what);
  return space[index];
}

class Planner {
 public:
  explicit Planner(const Component& component) : component_(component) {}

  absl::StatusOr<Plan> Run() {
    Scope& root = NewScope();
    root.def = &component_.root;
    WASMHOST_RETURN_IF_ERROR(Walk(root));
    for (auto& [name, item] : root.exports) {
      WASMHOST_RETURN_IF_ERROR(AddExport("", name, item));
    }
    // The root's exported resources in the world's view (what
    // Instance::DropResource names).
    for (const Export& e : component_.root.exports) {
      for (const auto& [name, item] : root.exports) {
        if (name != e.name) continue;
        if (item.sort == Sort::kType) {
          Same(Key(0, e.desc.type), Key(item.scope, item.type));
        } else if (item.sort == Sort::kInstance) {
          SameExportedTypes(e.desc.type, 0, *item.instance);
        }
      }
    }
    Resolve();
    return std::move(plan_);
  }

  // Numbers the resource types at run time and gives every key and
  // resource built-in its number.
  void Resolve() {
    std::vector<ResourceKey> keys;
    for (const auto& [key, unused] : same_) keys.push_back(key);
    // Numbered in a fixed order: a resident's snapshot names handles'
    // types by number in another process.
    std::sort(keys.begin(), keys.end());
    absl::flat_hash_map<ResourceKey, uint32_t> ids;
    plan_.resource_ids.resize(plan_.num_tables);
    auto id_of = [&](ResourceKey key) {
      const ResourceKey root = Find(key);
      auto [it, added] =
          ids.emplace(root, static_cast<uint32_t>(plan_.resource_types.size()));
      if (added) plan_.resource_types.push_back({root.second});
      return it->second;
    };
    for (const ResourceKey& key : keys) {
      plan_.resource_ids[key.first][key.second] = id_of(key);
    }
    for (size_t i = 0; i < plan_.resources.size(); ++i) {
      plan_.resources[i].type = id_of(guest_keys_[i]);
    }
    auto resolve = [&](CoreItem& item) {
      if (item.kind == CoreItem::Kind::kResourceNew ||
          item.kind == CoreItem::Kind::kResourceDrop ||
          item.kind == CoreItem::Kind::kResourceRep) {
        item.index = id_of(Key(item.table, item.index));
      }
    };
    auto resolve_options = [&](PlannedOptions& options) {
      for (std::optional<CoreItem>* o :
           {&options.memory, &options.realloc, &options.post_return}) {
        if (o->has_value()) resolve(**o);
      }
    };
    for (CoreStep& step : plan_.steps) {
      for (CoreStep::Import& import : step.imports) resolve(import.item);
    }
    for (std::vector<LiftedExport>* lifted : {&plan_.lifted, &plan_.exports}) {
      for (LiftedExport& l : *lifted) {
        resolve(l.callee);
        resolve_options(l.options);
      }
    }
    for (LoweredImport& l : plan_.lowered) resolve_options(l.options);
    for (GuestResource& r : plan_.resources) {
      if (r.dtor.has_value()) resolve(*r.dtor);
    }
  }

 private:
  const TypeArena& types() const { return component_.types; }

  // Resource identity at run time: a union-find over ResourceKeys, each
  // set rooted at the defined resource when it has one. A key is a
  // resource TypeId in one component instance's view: the binary has one
  // TypeId for a resource its nested component defines, each
  // instantiation of that component one key, so one resource type.
  ResourceKey Key(uint32_t scope, TypeId type) const {
    return {scope, ResourceIdentity(types(), type)};
  }
  ResourceKey Find(ResourceKey key) {
    auto it = same_.find(key);
    if (it == same_.end()) {
      same_.emplace(key, key);
      return key;
    }
    if (it->second == key) return key;
    const ResourceKey root = Find(it->second);
    same_[key] = root;
    return root;
  }
  void Same(ResourceKey a, ResourceKey b) {
    if (types()[a.second].kind != TypeKind::kResource ||
        types()[b.second].kind != TypeKind::kResource) {
      return;
    }
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    // Rooted at a definition, else at the root's view (a host resource's
    // import: what names it).
    if (types()[a.second].defined ||
        (!types()[b.second].defined && a.first == 0)) {
      std::swap(a, b);
    }
    same_[a] = b;
  }
  // Registers the resources function type `func` names in `scope`'s view
  // (what its lifts and lowers will look up at run time).
  void UsesResources(uint32_t scope, TypeId type) {
    if (!seen_types_.insert({scope, type}).second) return;
    const Type& t = types()[type];
    if (t.kind == TypeKind::kResource) {
      Find(Key(scope, type));
      return;
    }
    for (const Field& f : t.fields) UsesResources(scope, f.type);
    for (const Case& c : t.cases) {
      if (c.type.has_value()) UsesResources(scope, *c.type);
    }
    for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
      if (o.has_value()) UsesResources(scope, *o);
    }
  }

  absl::StatusOr<std::vector<CoreItem>*> CoreSpace(Scope& scope, Sort sort) {
    switch (sort) {
      case Sort::kCoreFunc:
        return &scope.core_funcs;
      case Sort::kCoreTable:
        return &scope.core_tables;
      case Sort::kCoreMemory:
        return &scope.core_memories;
      case Sort::kCoreGlobal:
        return &scope.core_globals;
      default:
        return Unsupported(absl::StrCat("core ", SortName(sort), "s"));
    }
  }

  absl::StatusOr<CoreItem> CoreAt(Scope& scope, SortIndex item) {
    WASMHOST_ASSIGN_OR_RETURN(std::vector<CoreItem> * space,
                              CoreSpace(scope, item.sort));
    return At(*space, item.index, SortName(item.sort));
  }

  absl::StatusOr<PlannedOptions> Options(Scope& scope,
                                         const CanonOptions& options) {
    if (options.async || options.callback.has_value()) {
      return Unsupported("async canonical options");
    }
    PlannedOptions planned;
    planned.string_encoding = options.string_encoding;
    if (options.memory.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(
          planned.memory,
          At(scope.core_memories, *options.memory, "memory option"));
    }
    if (options.realloc.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(
          planned.realloc,
          At(scope.core_funcs, *options.realloc, "realloc option"));
    }
    if (options.post_return.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(
          planned.post_return,
          At(scope.core_funcs, *options.post_return, "post-return option"));
    }
    return planned;
  }

  // The item (sort, index) of `scope`, for instantiation arguments, inline
  // instances and exports.
  absl::StatusOr<ItemVal> ItemAt(Scope& scope, SortIndex ref) {
    ItemVal item;
    item.sort = ref.sort;
    switch (ref.sort) {
      case Sort::kFunc: {
        WASMHOST_ASSIGN_OR_RETURN(item.func,
                                  At(scope.funcs, ref.index, "func"));
        return item;
      }
      case Sort::kInstance: {
        WASMHOST_ASSIGN_OR_RETURN(item.instance,
                                  At(scope.instances, ref.index, "instance"));
        return item;
      }
      case Sort::kComponent: {
        WASMHOST_ASSIGN_OR_RETURN(item.component,
                                  At(scope.components, ref.index, "component"));
        return item;
      }
      case Sort::kCoreModule: {
        WASMHOST_ASSIGN_OR_RETURN(
            item.core_module, At(scope.core_modules, ref.index, "core module"));
        return item;
      }
      case Sort::kType: {
        WASMHOST_ASSIGN_OR_RETURN(item.type,
                                  At(scope.def->types, ref.index, "type"));
        item.scope = scope.table;
        return item;
      }
      default:
        return Unsupported(absl::StrCat(SortName(ref.sort), " items"));
    }
  }

  // Puts `item` into `scope`'s index space of its sort (an import, an
  // alias or an export adds one).
  void Push(Scope& scope, const ItemVal& item) {
    switch (item.sort) {
      case Sort::kFunc:
        scope.funcs.push_back(item.func);
        break;
      case Sort::kInstance:
        scope.instances.push_back(item.instance);
        break;
      case Sort::kComponent:
        scope.components.push_back(item.component);
        break;
      case Sort::kCoreModule:
        scope.core_modules.push_back(item.core_module);
        break;
      default:
        break;
    }
  }

  // The resources instance type `type` exports are, at run time, those of
  // the same names `instance` holds: for an import of the root, those its
  // instance type declares (a nested component given the root's import
  // aliases the resource types from its own copy of that type).
  // `type` is in `scope`'s view.
  void SameExportedTypes(TypeId type, uint32_t scope,
                         const InstanceVal& instance) {
    if (instance.imported.has_value()) {
      for (const ExternDecl& decl : types()[type].exports) {
        for (const ExternDecl& have : types()[instance.type].exports) {
          if (decl.name == have.name) {
            Same(Key(scope, decl.desc.type),
                 Key(instance.scope, have.desc.type));
          }
        }
      }
      return;
    }
    for (const auto& [name, item] : instance.items) {
      if (item.sort != Sort::kType) continue;
      for (const ExternDecl& decl : types()[type].exports) {
        if (decl.name == name) {
          Same(Key(scope, decl.desc.type), Key(item.scope, item.type));
        }
      }
    }
  }

  absl::StatusOr<ItemVal> ImportItem(Scope& scope, const Import& import) {
    if (scope.args != nullptr) {
      for (const auto& [name, item] : *scope.args) {
        if (name != import.name) continue;
        if (item.sort == Sort::kType) {
          Same(Key(scope.table, import.desc.type), Key(item.scope, item.type));
        }
        if (item.sort == Sort::kInstance &&
            import.desc.kind == ExternKind::kInstance) {
          SameExportedTypes(import.desc.type, scope.table, *item.instance);
        }
        return item;
      }
      return Inconsistent(absl::StrCat("argument ", import.name));
    }
    ItemVal item;
    switch (import.desc.kind) {
      case ExternKind::kFunc:
        item.sort = Sort::kFunc;
        item.func.imported = true;
        item.func.name = import.name;
        item.func.type = import.desc.type;
        item.func.scope = scope.table;
        return item;
      case ExternKind::kInstance:
        item.sort = Sort::kInstance;
        item.instance = std::make_shared<InstanceVal>();
        item.instance->imported = import.name;
        item.instance->type = import.desc.type;
        item.instance->scope = scope.table;
        // Host resources get their run-time types even when no function
        // names them.
        for (const ExternDecl& decl : types()[import.desc.type].exports) {
          if (types()[decl.desc.type].kind == TypeKind::kResource) {
            Find(Key(scope.table, decl.desc.type));
          }
        }
        return item;
      case ExternKind::kType:
        item.sort = Sort::kType;
        item.type = import.desc.type;
        item.scope = scope.table;
        if (types()[item.type].kind == TypeKind::kResource) {
          Find(Key(scope.table, item.type));
        }
        return item;
      default:
        return Unsupported(
            absl::StrCat(ExternKindName(import.desc.kind), " imports"));
    }
  }

  absl::StatusOr<ItemVal> AliasExport(const InstanceVal& instance,
                                      const Alias& alias) {
    ItemVal item;
    item.sort = alias.sort;
    if (instance.imported.has_value()) {
      if (alias.sort == Sort::kType) return item;  // Types: the reader's.
      if (alias.sort != Sort::kFunc) {
        return Unsupported("instances imported with instances in them");
      }
      for (const ExternDecl& decl : types()[instance.type].exports) {
        if (decl.name != alias.name) continue;
        item.func.imported = true;
        item.func.interface = *instance.imported;
        item.func.name = alias.name;
        item.func.type = decl.desc.type;
        item.func.scope = instance.scope;
        return item;
      }
      return Inconsistent(absl::StrCat("export ", alias.name));
    }
    for (const auto& [name, found] : instance.items) {
      if (name == alias.name) return found;
    }
    if (alias.sort == Sort::kType) return item;
    return Inconsistent(absl::StrCat("export ", alias.name));
  }

  absl::Status WalkCanon(Scope& scope, const Canon& canon) {
    switch (canon.kind) {
      case Canon::Kind::kLift: {
        LiftedExport lifted;
        lifted.type = canon.type;
        lifted.table = scope.table;
        WASMHOST_ASSIGN_OR_RETURN(
            lifted.callee, At(scope.core_funcs, canon.func, "core func"));
        WASMHOST_ASSIGN_OR_RETURN(lifted.options,
                                  Options(scope, canon.options));
        UsesResources(scope.table, canon.type);
        FuncVal func;
        func.type = canon.type;
        func.scope = scope.table;
        func.lifted = static_cast<uint32_t>(plan_.lifted.size());
        plan_.lifted.push_back(std::move(lifted));
        scope.funcs.push_back(std::move(func));
        return absl::OkStatus();
      }
      case Canon::Kind::kLower: {
        WASMHOST_ASSIGN_OR_RETURN(FuncVal func,
                                  At(scope.funcs, canon.func, "func"));
        LoweredImport lowered;
        lowered.table = scope.table;
        if (func.imported) {
          lowered.interface = func.interface;
          lowered.name = func.name;
        } else {
          lowered.lifted = func.lifted;
        }
        lowered.type = func.type;
        lowered.type_scope = func.scope;
        UsesResources(func.scope, func.type);
        WASMHOST_ASSIGN_OR_RETURN(lowered.options,
                                  Options(scope, canon.options));
        CoreItem item;
        item.kind = CoreItem::Kind::kLowered;
        item.index = static_cast<uint32_t>(plan_.lowered.size());
        plan_.lowered.push_back(std::move(lowered));
        scope.core_funcs.push_back(std::move(item));
        return absl::OkStatus();
      }
      case Canon::Kind::kResourceNew:
      case Canon::Kind::kResourceDrop:
      case Canon::Kind::kResourceRep: {
        CoreItem item;
        item.kind = canon.kind == Canon::Kind::kResourceNew
                        ? CoreItem::Kind::kResourceNew
                    : canon.kind == Canon::Kind::kResourceDrop
                        ? CoreItem::Kind::kResourceDrop
                        : CoreItem::Kind::kResourceRep;
        item.index = canon.type;  // Resolve() makes it the run-time type.
        item.table = scope.table;
        Find(Key(scope.table, canon.type));
        scope.core_funcs.push_back(std::move(item));
        return absl::OkStatus();
      }
      case Canon::Kind::kOtherBuiltin:
        return Unsupported(
            absl::StrCat("canon built-in 0x", absl::Hex(canon.opcode)));
    }
    return absl::OkStatus();
  }

  absl::Status WalkCoreInstance(Scope& scope, const CoreInstance& ci) {
    CoreInstanceVal val;
    if (!ci.module.has_value()) {
      for (const CoreInstance::Export& e : ci.exports) {
        WASMHOST_ASSIGN_OR_RETURN(CoreItem item, CoreAt(scope, e.item));
        val.items.emplace_back(e.name, std::move(item));
      }
      scope.core_instances.push_back(std::move(val));
      return absl::OkStatus();
    }
    WASMHOST_ASSIGN_OR_RETURN(
        uint32_t module, At(scope.core_modules, *ci.module, "core module"));
    CoreStep step;
    step.module = module;
    for (const wasm::Import& import : module_infos_[module]->imports) {
      const CoreInstance::Arg* arg = nullptr;
      for (const CoreInstance::Arg& a : ci.args) {
        if (a.name == import.module) arg = &a;
      }
      if (arg == nullptr) {
        return Inconsistent(absl::StrCat("core import ", import.module));
      }
      WASMHOST_ASSIGN_OR_RETURN(
          CoreInstanceVal from,
          At(scope.core_instances, arg->instance, "core instance"));
      CoreItem item;
      if (from.step.has_value()) {
        item.kind = CoreItem::Kind::kExport;
        item.index = *from.step;
        item.name = import.name;
      } else {
        bool found = false;
        for (const auto& [name, candidate] : from.items) {
          if (name == import.name) {
            item = candidate;
            found = true;
          }
        }
        if (!found) {
          return Inconsistent(
              absl::StrCat("core import ", import.module, ".", import.name));
        }
      }
      step.imports.push_back({import.module, import.name, std::move(item)});
    }
    val.step = static_cast<uint32_t>(plan_.steps.size());
    plan_.steps.push_back(std::move(step));
    scope.core_instances.push_back(std::move(val));
    return absl::OkStatus();
  }

  absl::Status WalkInstance(Scope& scope, const Instance& instance) {
    auto val = std::make_shared<InstanceVal>();
    val->type = instance.type;
    std::vector<std::pair<std::string, ItemVal>> args;
    for (const Instance::Arg& arg : instance.args) {
      WASMHOST_ASSIGN_OR_RETURN(ItemVal item, ItemAt(scope, arg.item));
      args.emplace_back(arg.name, std::move(item));
    }
    if (!instance.component.has_value()) {
      val->items = std::move(args);
    } else {
      WASMHOST_ASSIGN_OR_RETURN(
          ComponentVal child,
          At(scope.components, *instance.component, "component"));
      Scope& nested = NewScope();
      nested.def = child.def;
      nested.parent = child.parent;
      nested.table = plan_.num_tables++;
      nested.args = &args;
      WASMHOST_RETURN_IF_ERROR(Walk(nested));
      nested.args = nullptr;
      val->items = nested.exports;
      SameExportedTypes(instance.type, scope.table, *val);
    }
    val->scope = scope.table;
    scope.instances.push_back(std::move(val));
    return absl::OkStatus();
  }

  absl::Status WalkAlias(Scope& scope, const Alias& alias) {
    switch (alias.target) {
      case Alias::Target::kExport: {
        WASMHOST_ASSIGN_OR_RETURN(
            std::shared_ptr<InstanceVal> instance,
            At(scope.instances, alias.instance, "instance"));
        WASMHOST_ASSIGN_OR_RETURN(ItemVal item, AliasExport(*instance, alias));
        Push(scope, item);
        return absl::OkStatus();
      }
      case Alias::Target::kCoreExport: {
        WASMHOST_ASSIGN_OR_RETURN(
            CoreInstanceVal instance,
            At(scope.core_instances, alias.instance, "core instance"));
        CoreItem item;
        if (instance.step.has_value()) {
          item.index = *instance.step;
          item.name = alias.name;
        } else {
          bool found = false;
          for (const auto& [name, candidate] : instance.items) {
            if (name == alias.name) {
              item = candidate;
              found = true;
            }
          }
          if (!found) return Inconsistent(absl::StrCat("alias ", alias.name));
        }
        WASMHOST_ASSIGN_OR_RETURN(std::vector<CoreItem> * space,
                                  CoreSpace(scope, alias.sort));
        space->push_back(std::move(item));
        return absl::OkStatus();
      }
      case Alias::Target::kOuter: {
        const Scope* outer = &scope;
        for (uint32_t i = 0; i < alias.instance && outer != nullptr; ++i) {
          outer = outer->parent;
        }
        if (outer == nullptr) return Inconsistent("outer alias");
        ItemVal item;
        item.sort = alias.sort;
        if (alias.sort == Sort::kCoreModule) {
          WASMHOST_ASSIGN_OR_RETURN(
              item.core_module,
              At(outer->core_modules, alias.index, "core module"));
        } else if (alias.sort == Sort::kComponent) {
          WASMHOST_ASSIGN_OR_RETURN(
              item.component, At(outer->components, alias.index, "component"));
        }
        Push(scope, item);  // Types: resolved by the reader.
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  // A defined resource type: its destructor is a core function of this
  // scope at the point of definition.
  absl::Status WalkType(Scope& scope, uint32_t index) {
    WASMHOST_ASSIGN_OR_RETURN(TypeId id, At(scope.def->types, index, "type"));
    const Type& type = types()[id];
    if (type.kind != TypeKind::kResource || !type.defined) {
      return absl::OkStatus();
    }
    // Each instantiation of the component makes a new resource type (the
    // spec's generativity), with a destructor in its own core instance.
    GuestResource resource;
    guest_keys_.push_back(Find(Key(scope.table, id)));
    resource.table = scope.table;
    if (type.dtor.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(resource.dtor,
                                At(scope.core_funcs, *type.dtor, "dtor"));
    }
    plan_.resources.push_back(std::move(resource));
    return absl::OkStatus();
  }

  Scope& NewScope() {
    scopes_.push_back(std::make_unique<Scope>());
    return *scopes_.back();
  }

  absl::Status Walk(Scope& scope) {
    const ComponentDef& def = *scope.def;
    for (const Definition& d : def.order) {
      switch (d.kind) {
        case Definition::Kind::kCoreModule: {
          const CoreModule& module = def.core_modules[d.index];
          scope.core_modules.push_back(
              static_cast<uint32_t>(plan_.modules.size()));
          plan_.modules.push_back({module.offset, module.size});
          module_infos_.push_back(&module.info);
          break;
        }
        case Definition::Kind::kCoreInstance:
          WASMHOST_RETURN_IF_ERROR(
              WalkCoreInstance(scope, def.core_instances[d.index]));
          break;
        case Definition::Kind::kCoreType:
          break;
        case Definition::Kind::kComponent:
          scope.components.push_back({def.components[d.index].get(), &scope});
          break;
        case Definition::Kind::kInstance:
          WASMHOST_RETURN_IF_ERROR(WalkInstance(scope, def.instances[d.index]));
          break;
        case Definition::Kind::kAlias:
          WASMHOST_RETURN_IF_ERROR(WalkAlias(scope, def.aliases[d.index]));
          break;
        case Definition::Kind::kType:
          WASMHOST_RETURN_IF_ERROR(WalkType(scope, d.index));
          break;
        case Definition::Kind::kCanon:
          WASMHOST_RETURN_IF_ERROR(WalkCanon(scope, def.canons[d.index]));
          break;
        case Definition::Kind::kStart:
          return Unsupported("a start function");
        case Definition::Kind::kImport: {
          WASMHOST_ASSIGN_OR_RETURN(ItemVal item,
                                    ImportItem(scope, def.imports[d.index]));
          Push(scope, item);
          break;
        }
        case Definition::Kind::kExport: {
          const Export& e = def.exports[d.index];
          WASMHOST_ASSIGN_OR_RETURN(ItemVal item, ItemAt(scope, e.item));
          Push(scope, item);
          scope.exports.emplace_back(e.name, std::move(item));
          break;
        }
      }
    }
    return absl::OkStatus();
  }

  // A root export: a lifted function, or an instance of them.
  absl::Status AddExport(const std::string& interface, const std::string& name,
                         const ItemVal& item) {
    if (item.sort == Sort::kFunc) {
      if (item.func.imported) {
        return Unsupported("an imported function exported again");
      }
      LiftedExport exported = plan_.lifted[item.func.lifted];
      exported.interface = interface;
      exported.name = name;
      plan_.exports.push_back(std::move(exported));
      return absl::OkStatus();
    }
    if (item.sort == Sort::kInstance && interface.empty()) {
      if (item.instance->imported.has_value()) {
        return Unsupported("an imported instance exported again");
      }
      for (const auto& [func_name, member] : item.instance->items) {
        if (member.sort != Sort::kFunc) continue;
        WASMHOST_RETURN_IF_ERROR(AddExport(name, func_name, member));
      }
      return absl::OkStatus();
    }
    if (item.sort == Sort::kType) return absl::OkStatus();
    return Unsupported(absl::StrCat(SortName(item.sort), " exports"));
  }

  const Component& component_;
  Plan plan_;
  absl::flat_hash_map<ResourceKey, ResourceKey> same_;
  absl::flat_hash_set<std::pair<uint32_t, TypeId>> seen_types_;
  std::vector<ResourceKey> guest_keys_;  // By Plan::resources.
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<const wasm::ModuleInfo*> module_infos_;
};

}  // namespace

absl::StatusOr<Plan> MakePlan(const Component& component) {
  return Planner(component).Run();
}

}  // namespace wasmhost::component
