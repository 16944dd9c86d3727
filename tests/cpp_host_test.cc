// The C++ host bindings generated from lib/bindgen/testdata/kitchen_sink.wit
// (//lib/bindgen/testdata:sink_host, `wasmhost bindgen cpp-host`) against
// the component built from the same WIT with the generated C guest bindings
// (kitchen_sink.c): every WIT type crosses both ways through the runtime.
// The host below checks what the guest passes to its imports; the guest
// checks what the host returns (`run` and `spill` fail naming the first
// value that differs); the test checks what the exports return.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/typed_components.h"
#include "lib/bindgen/testdata/sink.h"
#include "lib/bindgen/testdata/sink_host/sink_host.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"

namespace keywords {

// A record as cpp-host declares one whose fields are C++ keywords.
struct Opts {
  bool class_ = false;
  uint32_t max_size = 0;
};
WASMHOST_COMPONENT_RECORD(Opts, class_, max_size)

}  // namespace keywords

namespace test::sink {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wasmhost::testing::IsOkAndHolds;
using ::wasmhost::testing::SharedEngine;
using ::wasmhost::testing::StatusIs;

constexpr uint64_t kNow = 1234567890123;

Prims SomePrims() {
  Prims p;
  p.b = true;
  p.i8 = -8;
  p.u8 = 200;
  p.i16 = -1600;
  p.u16 = 60000;
  p.i32 = -320000;
  p.u32 = 4000000000u;
  p.i64 = INT64_MIN + 1;
  p.u64 = UINT64_MAX - 7;
  p.f32 = 1.5f;
  p.f64 = -2.25;
  p.c = U'\U0001F600';
  p.s = "héllo";
  return p;
}

// The host side of the world: records what the guest passed, returns the
// values kitchen_sink.c checks.
class FakeHost : public Host, public Clock, public Imports {
 public:
  absl::Status DropFile(uint32_t rep) override {
    dropped_files.push_back(rep);
    return absl::OkStatus();
  }
  absl::StatusOr<component::Own<File>> NewFile(std::string_view path) override {
    paths.emplace_back(path);
    return component::Own<File>(next_file++);
  }
  absl::StatusOr<component::Result<Bytes, std::string>> FileRead(
      component::Borrow<File> self, uint32_t len) override {
    read_from.push_back(self.rep());
    if (len > 4) {
      return component::Result<Bytes, std::string>::Err("too long");
    }
    return component::Result<Bytes, std::string>::Ok(Bytes{1, 2, 3, 4});
  }
  absl::StatusOr<uint64_t> FileSize(component::Borrow<File>) override {
    return 2;
  }
  absl::StatusOr<std::tuple<component::Own<File>, component::Own<File>>>
  FileOpenTwice(std::string_view path) override {
    paths.emplace_back(path);
    component::Own<File> a(next_file++);
    return std::make_tuple(a, component::Own<File>(next_file++));
  }
  absl::StatusOr<Prims> Echo(const Prims& p) override {
    echoed.push_back(p);
    return p;
  }
  absl::StatusOr<Level> Classify(const Mixed& m) override {
    classified.push_back(m);
    switch (m.index()) {
      case Mixed::kNothing:
        return Level::kLow;
      case Mixed::kSmall:
        return Level::kMid;
      default:
        return Level::kHigh;
    }
  }
  absl::StatusOr<Many> Toggle(Many f) override {
    toggled.push_back(f);
    return f.set(Many::a);
  }
  absl::StatusOr<MaybeNames> Names(const MaybeNames& n) override {
    names_in.push_back(n);
    return MaybeNames(std::vector<std::string>{"x", "y"});
  }
  absl::StatusOr<uint64_t> Wide(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                                uint64_t e, uint64_t f, uint64_t g, uint64_t h,
                                uint64_t i, uint64_t j, uint64_t k, uint64_t l,
                                uint64_t m, uint64_t n, uint64_t o, uint64_t p,
                                uint64_t q) override {
    wide = {a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q};
    return UINT64_MAX - 1;
  }
  absl::StatusOr<component::Result<void, Level>> OkOrNot() override {
    return component::Result<void, Level>::Err(Level::kHigh);
  }
  absl::StatusOr<component::Result<int32_t, void>> JustOk() override {
    return component::Result<int32_t, void>::Ok(-5);
  }
  absl::StatusOr<component::Result<void, void>> Nothing() override {
    return component::Result<void, void>::Err();
  }
  absl::StatusOr<std::optional<Bytes>> UseFile(
      component::Borrow<File> f) override {
    read_from.push_back(f.rep());
    return std::optional<Bytes>(Bytes{9});
  }
  absl::StatusOr<uint64_t> Now() override { return kNow; }
  absl::Status Log(std::string_view msg) override {
    if (msg == "fail") return absl::DataLossError("the host's own error");
    logged.emplace_back(msg);
    return absl::OkStatus();
  }

  uint32_t next_file = 7;
  std::vector<std::string> paths, logged;
  std::vector<uint32_t> dropped_files, read_from;
  std::vector<Prims> echoed;
  std::vector<Mixed> classified;
  std::vector<Many> toggled;
  std::vector<MaybeNames> names_in;
  std::vector<uint64_t> wide;
};

class CppHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<component::Component> compiled =
        component::Component::Compile(
            SharedEngine(), wasmhost::bindgen::testdata::kitchen_sink_wasm());
    ASSERT_OK(compiled.status());
    component_.emplace(*std::move(compiled));
    ASSERT_OK(AddToLinker(linker_, static_cast<Host&>(host_)));
    ASSERT_OK(AddToLinker(linker_, static_cast<Clock&>(host_)));
    ASSERT_OK(AddToLinker(linker_, static_cast<Imports&>(host_)));
    absl::StatusOr<component::Instance> instance =
        component::Instance::Create(*component_, linker_);
    ASSERT_OK(instance.status());
    instance_.emplace(*std::move(instance));
  }

  FakeHost host_;
  component::Linker linker_;
  std::optional<component::Component> component_;
  std::optional<component::Instance> instance_;
};

// Every import, called by the guest's `run`: the host sees the guest's
// arguments, the guest checks the host's results.
TEST_F(CppHostTest, ImportsBothWays) {
  ASSERT_OK_AND_ASSIGN(Exports exports, Exports::New(*instance_));
  const std::vector<std::string> args = {"one", "twö"};
  EXPECT_THAT(exports.Run(args),
              IsOkAndHolds(component::Result<void, std::string>::Ok()));
  EXPECT_THAT(host_.logged, ElementsAre("one", "twö"));
  EXPECT_THAT(host_.paths, ElementsAre("a-path", "twice"));
  // read twice and use-file, all through the borrowed first file.
  EXPECT_THAT(host_.read_from, ElementsAre(7u, 7u, 7u));
  // open-twice's two files, then the first.
  EXPECT_THAT(host_.dropped_files, ElementsAre(8u, 9u, 7u));
  EXPECT_THAT(host_.toggled, ElementsAre(Many{Many::i}));
  EXPECT_THAT(host_.names_in, ElementsAre(std::nullopt));
  EXPECT_THAT(host_.wide, ElementsAre(257u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u,
                                      11u, 12u, 13u, 14u, 15u, 16u, kNow));
  EXPECT_FALSE(instance_->poisoned());
}

// A record of every primitive both ways: to the guest as export arguments,
// back to the host through echo, and to the guest again as echo's result.
TEST_F(CppHostTest, RecordBothWays) {
  ASSERT_OK_AND_ASSIGN(Exports exports, Exports::New(*instance_));
  const Prims p = SomePrims();
  EXPECT_THAT(
      exports.guest().Spill(p, p),
      IsOkAndHolds(component::Result<std::vector<component::Own<Session>>,
                                     std::string>::Ok({})));
  ASSERT_EQ(host_.echoed.size(), 1u);
  EXPECT_EQ(host_.echoed[0], p);
  Prims other = p;
  other.c = U'x';
  EXPECT_THAT(
      exports.guest().Spill(p, other),
      IsOkAndHolds(component::Result<std::vector<component::Own<Session>>,
                                     std::string>::Err("different")));
}

// A list of records and an optional variant to the guest; each case of the
// variant back to the host through classify; a list of tuples of a string
// and an enum back from the guest.
TEST_F(CppHostTest, ListsVariantsAndTuples) {
  ASSERT_OK_AND_ASSIGN(Exports exports, Exports::New(*instance_));
  Prims a = SomePrims();
  Prims b = SomePrims();
  b.s = "second";
  const std::vector<Prims> items = {a, b};
  const std::vector<Mixed> cases = {
      Mixed(std::in_place_index<Mixed::kNothing>),
      Mixed(std::in_place_index<Mixed::kSmall>, -0.5f),
      Mixed(std::in_place_index<Mixed::kBig>, UINT64_MAX),
      Mixed(std::in_place_index<Mixed::kPair>, std::make_tuple(6.5, 42u)),
      Mixed(std::in_place_index<Mixed::kText>, "text"),
  };
  const Level want[] = {Level::kLow, Level::kMid, Level::kHigh, Level::kHigh,
                        Level::kHigh};
  for (size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    host_.classified.clear();
    EXPECT_THAT(exports.guest().Process(items, cases[i]),
                IsOkAndHolds(ElementsAre(std::make_tuple("héllo", want[i]),
                                         std::make_tuple("second", want[i]))));
    EXPECT_THAT(host_.classified, ElementsAre(cases[i], cases[i]));
  }
  EXPECT_THAT(
      exports.guest().Process(items, std::nullopt),
      IsOkAndHolds(ElementsAre(std::make_tuple("héllo", Level::kLow),
                               std::make_tuple("second", Level::kLow))));
  EXPECT_THAT(exports.guest().Process({}, std::nullopt),
              IsOkAndHolds(::testing::IsEmpty()));
}

// The guest's session resource driven from the host (constructor, methods,
// a static function taking an own handle, the drop), and a host file handed
// to the guest owned and borrowed.
TEST_F(CppHostTest, ResourcesBothWays) {
  ASSERT_OK_AND_ASSIGN(Exports exports, Exports::New(*instance_));
  const Exports::Guest& guest = exports.guest();
  ASSERT_OK_AND_ASSIGN(component::Own<Session> s,
                       guest.NewSession("sess", Level::kMid));
  const component::Borrow<Session> borrowed(s);
  EXPECT_THAT(guest.SessionName(borrowed), IsOkAndHolds("sess"));
  EXPECT_THAT(guest.Count(borrowed), IsOkAndHolds(1u));
  // attach takes the file: its size (2) becomes the level, then it drops it.
  EXPECT_OK(guest.SessionAttach(borrowed, component::Own<File>(40)));
  EXPECT_THAT(host_.dropped_files, ElementsAre(40u));
  EXPECT_THAT(guest.Count(borrowed), IsOkAndHolds(2u));
  // peek borrows a file; the guest's wrapper ends the borrow.
  EXPECT_THAT(guest.Peek(component::Borrow<File>(41)), IsOkAndHolds(2u));
  EXPECT_THAT(host_.dropped_files, ElementsAre(40u));
  ASSERT_OK_AND_ASSIGN(component::Own<Session> t,
                       guest.NewSession("other", Level::kHigh));
  ASSERT_OK_AND_ASSIGN(component::Own<Session> merged,
                       guest.SessionMerge(borrowed, t));
  EXPECT_THAT(guest.Count(borrowed), IsOkAndHolds(2u));
  EXPECT_THAT(guest.SessionName(component::Borrow<Session>(merged)),
              IsOkAndHolds("other"));
  EXPECT_OK(guest.DropSession(merged));
  EXPECT_OK(guest.DropSession(s));
  // t moved into the guest with the merge; s is dropped.
  EXPECT_STATUS(guest.DropSession(t), absl::StatusCode::kFailedPrecondition,
                "moved into the component");
  EXPECT_STATUS(guest.SessionName(borrowed).status(),
                absl::StatusCode::kFailedPrecondition, "was dropped");
  EXPECT_FALSE(instance_->poisoned());
}

// A host implementation's error traps the guest and reaches the caller.
TEST_F(CppHostTest, HostErrorReachesTheCaller) {
  ASSERT_OK_AND_ASSIGN(Exports exports, Exports::New(*instance_));
  const std::vector<std::string> args = {"fail"};
  EXPECT_THAT(exports.Run(args), StatusIs(absl::StatusCode::kDataLoss,
                                          HasSubstr("the host's own error")));
  EXPECT_TRUE(instance_->poisoned());
}

// Granting an interface twice is AlreadyExists; a component whose imports
// are not granted fails to instantiate, naming the interface.
TEST_F(CppHostTest, LinkerErrors) {
  EXPECT_THAT(AddToLinker(linker_, static_cast<Clock&>(host_)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  component::Linker partial;
  ASSERT_OK(AddToLinker(partial, static_cast<Imports&>(host_)));
  EXPECT_THAT(
      component::Instance::Create(*component_, partial),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("test:sink/host")));
}

// Exports::New on a component of another world: NotFound for the first
// export it lacks (exported interfaces are bound first).
TEST(CppHostExportsTest, NewRefusesAnotherWorld) {
  ASSERT_OK_AND_ASSIGN(component::Component score,
                       component::Component::Compile(
                           SharedEngine(), wasmhost::guests::score_wasm()));
  ASSERT_OK_AND_ASSIGN(component::Instance instance,
                       component::Instance::Create(score, component::Linker()));
  EXPECT_THAT(Exports::New(instance),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("[constructor]session of interface "
                                 "test:sink/guest@0.1.0")));
}

// A keyword escaped with a trailing '_' is the WIT label without it.
TEST(CppHostNamesTest, KeywordLabels) {
  EXPECT_EQ(
      component::internal::WitTraits<keywords::Opts>::WitType().ToString(),
      "record { class: bool, max-size: u32 }");
}

}  // namespace
}  // namespace test::sink
