// component_parts: a component's handle tables as snapshot messages, and
// every refusal of saved tables that cannot be the component's (which a
// tampered snapshot meets only after its hashes, so they are fed here
// directly).

#include "lib/resident/component_parts.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/resident/testdata.h"
#include "proto/wasmhost/v1/snapshot.pb.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_val.h"
#include "wasmhost/engine.h"

namespace wasmhost::internal {
namespace {

const component::api::Component& Tokens() {
  static const component::api::Component* tokens = [] {
    absl::StatusOr<Engine> engine = Engine::Create();
    if (!engine.ok()) std::abort();
    absl::StatusOr<component::api::Component> made =
        component::api::Component::Compile(*engine, testdata::tokens_wasm());
    if (!made.ok()) {
      std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
      std::abort();
    }
    return new component::api::Component(*std::move(made));
  }();
  return *tokens;
}

component::api::Instance Fresh() {
  absl::StatusOr<component::api::Instance> instance =
      InstantiateComponentForRestore(Tokens(), component::api::Linker(), {});
  if (!instance.ok()) std::abort();
  return *std::move(instance);
}

uint32_t MakeToken(component::api::Instance& instance, uint32_t rep) {
  absl::StatusOr<component::api::Func> make = instance.GetFunc("make-token");
  if (!make.ok()) std::abort();
  const component::Val args[] = {component::Val::U32(rep)};
  absl::StatusOr<std::vector<component::Val>> made = make->Call(args);
  if (!made.ok()) std::abort();
  return made->at(0).u32();
}

// The tables of an instance that made tokens 10, 20 and 30 (handles 1-3).
v1::ResidentState Captured() {
  component::api::Instance instance = Fresh();
  for (uint32_t rep : {10u, 20u, 30u}) MakeToken(instance, rep);
  v1::ResidentState state;
  if (!CaptureHandles(instance, nullptr, state).ok()) std::abort();
  return state;
}

void ExpectDataLoss(const v1::ResidentState& saved, const char* substring) {
  component::api::Instance instance = Fresh();
  const absl::Status status = RestoreHandles(instance, nullptr, saved);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), substring)) << status;
}

TEST(ComponentPartsTest, CapturedTablesRestoreAndContinue) {
  const v1::ResidentState saved = Captured();
  ASSERT_EQ(saved.handle_tables_size(), 1);
  const v1::HandleTableState& table = saved.handle_tables(0);
  EXPECT_EQ(table.length(), 4u);
  ASSERT_EQ(table.handles_size(), 3);
  EXPECT_EQ(table.handles(2).index(), 3u);
  EXPECT_EQ(table.handles(2).rep(), 30u);

  component::api::Instance instance = Fresh();
  ASSERT_TRUE(RestoreHandles(instance, nullptr, saved).ok());
  // The next handle comes after the restored ones.
  EXPECT_EQ(MakeToken(instance, 40), 4u);
  v1::ResidentState again;
  ASSERT_TRUE(CaptureHandles(instance, nullptr, again).ok());
  EXPECT_EQ(again.handle_tables(0).handles_size(), 4);
}

TEST(ComponentPartsTest, TablesThatCannotBeTheComponentsAreRefused) {
  v1::ResidentState saved = Captured();
  saved.add_handle_tables();
  ExpectDataLoss(saved, "2 handle tables, the component 1");

  saved = Captured();
  saved.mutable_handle_tables(0)->set_length(0);
  ExpectDataLoss(saved, "impossible length");

  saved = Captured();
  saved.mutable_handle_tables(0)->mutable_handles(0)->set_index(0);
  ExpectDataLoss(saved, "cannot be the component's");

  saved = Captured();
  saved.mutable_handle_tables(0)->mutable_handles(0)->set_index(9);
  ExpectDataLoss(saved, "cannot be the component's");

  saved = Captured();
  saved.mutable_handle_tables(0)->mutable_handles(1)->set_index(1);
  ExpectDataLoss(saved, "cannot be the component's");

  saved = Captured();
  saved.mutable_handle_tables(0)->mutable_handles(0)->set_type(99999);
  ExpectDataLoss(saved, "cannot be the component's");

  saved = Captured();
  saved.mutable_handle_tables(0)->add_free(2);
  ExpectDataLoss(saved, "free index 2");
}

}  // namespace
}  // namespace wasmhost::internal
