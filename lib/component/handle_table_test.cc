// HandleTable: the spec's resource.new/drop/rep, own and borrow lifting and
// lowering, lends and borrow scopes, and each of their traps.

#include "lib/component/handle_table.h"

#include <memory>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lib/component/canonical_abi_testing.h"

namespace wasmhost::component {
namespace {

using testing::ExpectStatus;

constexpr TypeId kR = 100;  // resource types are TypeIds; any will do here
constexpr TypeId kS = 101;

TEST(HandleTableTest, NewRepDropRunsTheDestructorAndReusesTheIndex) {
  HandleTable table;
  std::vector<uint32_t> destroyed;
  table.DefineResource(kR, {false, [&](uint32_t rep) {
                              destroyed.push_back(rep);
                              return absl::OkStatus();
                            }});
  auto a = table.ResourceNew(kR, 7);
  auto b = table.ResourceNew(kR, 8);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 1u);  // index 0 is never a handle
  EXPECT_EQ(*b, 2u);
  EXPECT_EQ(*table.ResourceRep(kR, *b), 8u);
  EXPECT_EQ(table.size(), 2u);
  ASSERT_TRUE(table.ResourceDrop(kR, *a).ok());
  EXPECT_EQ(destroyed, std::vector<uint32_t>{7});
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(*table.ResourceNew(kR, 9), 1u);  // the freed index again
}

TEST(HandleTableTest, RestoreGoesBackToTheSnapshot) {
  HandleTable table;
  std::vector<uint32_t> host_destroyed;
  std::vector<uint32_t> guest_destroyed;
  table.DefineResource(kR, {false,
                            [&](uint32_t rep) {
                              host_destroyed.push_back(rep);
                              return absl::OkStatus();
                            },
                            /*host=*/true});
  table.DefineResource(kS, {true, [&](uint32_t rep) {
                              guest_destroyed.push_back(rep);
                              return absl::OkStatus();
                            }});
  const uint32_t kept = *table.ResourceNew(kR, 5);
  const HandleTable::Snapshot snapshot = *table.Save();
  ASSERT_TRUE(table.ResourceNew(kR, 6).ok());
  ASSERT_TRUE(table.ResourceNew(kS, 7).ok());
  const uint32_t scope = table.EnterCall();
  ASSERT_TRUE(table.LowerBorrow(kR, 8, scope).ok());
  EXPECT_TRUE(table.Restore(snapshot).ok());
  // Only the host resource made since the snapshot is destroyed: the
  // snapshot's own stays, a guest resource lives in guest state, a borrow
  // owns nothing.
  EXPECT_EQ(host_destroyed, std::vector<uint32_t>{6});
  EXPECT_TRUE(guest_destroyed.empty());
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(*table.ResourceRep(kR, kept), 5u);
  EXPECT_EQ(*table.ResourceNew(kR, 9), kept + 1);
  EXPECT_TRUE(table.ExitCall(scope).ok());  // the scope's borrows went
}

TEST(HandleTableTest, RestoreReturnsADestructorsError) {
  HandleTable table;
  int runs = 0;
  table.DefineResource(kR, {false,
                            [&](uint32_t) {
                              ++runs;
                              return absl::AbortedError("host dtor failed");
                            },
                            /*host=*/true});
  const HandleTable::Snapshot empty = *table.Save();
  ASSERT_TRUE(table.ResourceNew(kR, 1).ok());
  ASSERT_TRUE(table.ResourceNew(kR, 2).ok());
  ExpectStatus(table.Restore(empty), absl::StatusCode::kAborted,
               "host dtor failed");
  EXPECT_EQ(runs, 2);  // every destructor ran
  EXPECT_EQ(table.size(), 0u);
}

// A host resource with capture and restore: Save copies the objects of its
// own handles (not a borrow's, not another type's), RestoreHostObjects puts
// each back behind its rep, and a failing capture fails Save.
TEST(HandleTableTest, SaveCapturesHostObjectsAndRestorePutsThemBack) {
  HandleTable table;
  std::vector<std::pair<uint32_t, int>> restored;
  ResourceImpl impl;
  impl.host = true;
  impl.capture =
      [](uint32_t rep) -> absl::StatusOr<std::shared_ptr<const void>> {
    if (rep == 13) return absl::ResourceExhaustedError("cannot copy 13");
    return std::make_shared<const int>(static_cast<int>(rep) * 10);
  };
  impl.restore = [&](uint32_t rep, const void* captured) {
    restored.emplace_back(rep, *static_cast<const int*>(captured));
    return absl::OkStatus();
  };
  table.DefineResource(kR, impl);
  ASSERT_TRUE(table.ResourceNew(kR, 5).ok());
  ASSERT_TRUE(table.ResourceNew(kS, 6).ok());  // no capture for its type
  const uint32_t scope = table.EnterCall();
  ASSERT_TRUE(table.LowerBorrow(kR, 7, scope).ok());
  absl::StatusOr<HandleTable::Snapshot> snapshot = table.Save();
  ASSERT_TRUE(snapshot.ok());
  ASSERT_TRUE(table.RestoreHostObjects(*snapshot).ok());
  EXPECT_EQ(restored, (std::vector<std::pair<uint32_t, int>>{{5, 50}}));

  ASSERT_TRUE(table.ResourceNew(kR, 13).ok());
  ExpectStatus(table.Save().status(), absl::StatusCode::kResourceExhausted,
               "cannot copy 13");
}

TEST(HandleTableTest, FullTableTraps) {
  HandleTable table(/*max_length=*/2);
  ASSERT_TRUE(table.ResourceNew(kR, 1).ok());
  const uint32_t h = *table.ResourceNew(kR, 2);
  ExpectStatus(table.ResourceNew(kR, 3).status(), absl::StatusCode::kAborted,
               "handle table full (2 handles)");
  ASSERT_TRUE(table.ResourceDrop(kR, h).ok());
  EXPECT_EQ(*table.ResourceNew(kR, 3), h);  // a freed slot is still usable
}

TEST(HandleTableTest, DestructorStatusIsReturned) {
  HandleTable table;
  table.DefineResource(
      kR, {false, [](uint32_t) { return absl::AbortedError("dtor trapped"); }});
  const uint32_t h = *table.ResourceNew(kR, 1);
  ExpectStatus(table.ResourceDrop(kR, h), absl::StatusCode::kAborted,
               "dtor trapped");
}

TEST(HandleTableTest, UnknownAndDroppedHandlesTrap) {
  HandleTable table;
  ExpectStatus(table.ResourceRep(kR, 0).status(), absl::StatusCode::kAborted,
               "unknown handle 0");
  ExpectStatus(table.ResourceDrop(kR, 7), absl::StatusCode::kAborted,
               "unknown handle 7");
  const uint32_t h = *table.ResourceNew(kR, 1);
  ASSERT_TRUE(table.ResourceDrop(kR, h).ok());
  ExpectStatus(table.ResourceRep(kR, h).status(), absl::StatusCode::kAborted,
               "unknown handle 1");
  ExpectStatus(table.ResourceDrop(kR, h), absl::StatusCode::kAborted,
               "unknown handle 1");
}

TEST(HandleTableTest, WrongTypeTraps) {
  HandleTable table;
  const uint32_t h = *table.ResourceNew(kR, 1);
  ExpectStatus(table.ResourceRep(kS, h).status(), absl::StatusCode::kAborted,
               "has resource type 100, not 101");
  ExpectStatus(table.ResourceDrop(kS, h), absl::StatusCode::kAborted,
               "not 101");
  ExpectStatus(table.LiftOwn(kS, h).status(), absl::StatusCode::kAborted,
               "not 101");
  std::vector<uint32_t> lends;
  ExpectStatus(table.LiftBorrow(kS, h, lends).status(),
               absl::StatusCode::kAborted, "not 101");
  EXPECT_TRUE(lends.empty());
  EXPECT_EQ(table.size(), 1u);  // a trap leaves the handle where it was
}

TEST(HandleTableTest, LentOwnCannotBeDroppedOrMovedUntilReleased) {
  HandleTable table;
  const uint32_t h = *table.ResourceNew(kR, 5);
  std::vector<uint32_t> lends;
  EXPECT_EQ(*table.LiftBorrow(kR, h, lends), 5u);
  EXPECT_EQ(lends, std::vector<uint32_t>{h});
  ExpectStatus(table.ResourceDrop(kR, h), absl::StatusCode::kAborted,
               "handle 1 is lent to 1 call(s)");
  ExpectStatus(table.LiftOwn(kR, h).status(), absl::StatusCode::kAborted,
               "is lent");
  table.ReleaseLends(lends);
  EXPECT_EQ(*table.LiftOwn(kR, h), 5u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(HandleTableTest, LowerOwnThenLiftOwnMovesTheRep) {
  HandleTable table;
  const uint32_t h = *table.LowerOwn(kR, 42);
  EXPECT_EQ(*table.LiftOwn(kR, h), 42u);
  ExpectStatus(table.LiftOwn(kR, h).status(), absl::StatusCode::kAborted,
               "unknown handle 1");
}

TEST(HandleTableTest, BorrowMustBeDroppedBeforeTheCallReturns) {
  HandleTable table;
  const uint32_t scope = table.EnterCall();
  const uint32_t b = *table.LowerBorrow(kR, 9, scope);
  EXPECT_EQ(*table.ResourceRep(kR, b), 9u);
  ExpectStatus(table.LiftOwn(kR, b).status(), absl::StatusCode::kAborted,
               "is a borrow, not an own");
  ExpectStatus(table.ExitCall(scope), absl::StatusCode::kAborted,
               "1 borrow handle(s) not dropped");
  ASSERT_TRUE(table.ResourceDrop(kR, b).ok());
  EXPECT_TRUE(table.ExitCall(scope).ok());
}

TEST(HandleTableTest, DroppingABorrowRunsNoDestructor) {
  HandleTable table;
  int runs = 0;
  table.DefineResource(kR, {false, [&](uint32_t) {
                              ++runs;
                              return absl::OkStatus();
                            }});
  const uint32_t scope = table.EnterCall();
  const uint32_t b = *table.LowerBorrow(kR, 9, scope);
  ASSERT_TRUE(table.ResourceDrop(kR, b).ok());
  EXPECT_EQ(runs, 0);
  EXPECT_TRUE(table.ExitCall(scope).ok());
}

TEST(HandleTableTest, BorrowOfALocalResourceIsTheRep) {
  HandleTable table;
  table.DefineResource(kR, {true, nullptr});
  const uint32_t scope = table.EnterCall();
  EXPECT_EQ(*table.LowerBorrow(kR, 1234, scope), 1234u);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.ExitCall(scope).ok());
}

}  // namespace
}  // namespace wasmhost::component
