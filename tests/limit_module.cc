#include "tests/limit_module.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wasmhost::testing {
namespace {

void AppendLeb(std::vector<uint8_t>& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(value != 0 ? byte | 0x80 : byte);
  } while (value != 0);
}

void AppendName(std::vector<uint8_t>& out, const std::string& name) {
  AppendLeb(out, name.size());
  out.insert(out.end(), name.begin(), name.end());
}

void AppendSection(std::vector<uint8_t>& out, uint8_t id,
                   const std::vector<uint8_t>& content) {
  out.push_back(id);
  AppendLeb(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

}  // namespace

std::vector<uint8_t> LimitModule(size_t imports, size_t exports) {
  std::vector<uint8_t> out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  AppendSection(out, 1, {0x01, 0x60, 0x00, 0x01, 0x7f});  // () -> i32
  if (imports > 0) {
    std::vector<uint8_t> section;
    AppendLeb(section, imports);
    for (size_t i = 0; i < imports; ++i) {
      AppendName(section, "env");
      AppendName(section, absl::StrCat("f", i));
      section.insert(section.end(), {0x00, 0x00});  // func, type 0
    }
    AppendSection(out, 2, section);
  }
  AppendSection(out, 3, {0x01, 0x00});              // bump: type 0
  AppendSection(out, 5, {0x01, 0x01, 0x01, 0x02});  // memory 1..2 pages
  AppendSection(out, 6, {0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b});  // mut i32 0
  std::vector<uint8_t> section;
  AppendLeb(section, exports);
  for (size_t i = 0; i < exports; ++i) {
    AppendName(section, absl::StrCat("e", i));
    section.push_back(0x00);
    AppendLeb(section, imports);  // bump's index
  }
  AppendSection(out, 7, section);
  std::vector<uint8_t> increment;
  if (imports > 0) {
    increment = {0x10, 0x00};  // call 0
  } else {
    increment = {0x41, 0x01};  // i32.const 1
  }
  std::vector<uint8_t> body = {0x00};  // no locals
  // memory[0] += increment
  body.insert(body.end(), {0x41, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00});
  body.insert(body.end(), increment.begin(), increment.end());
  body.insert(body.end(), {0x6a, 0x36, 0x02, 0x00});
  // global += increment; return global
  body.insert(body.end(), {0x23, 0x00});
  body.insert(body.end(), increment.begin(), increment.end());
  body.insert(body.end(), {0x6a, 0x24, 0x00, 0x23, 0x00, 0x0b});
  std::vector<uint8_t> code = {0x01};
  AppendLeb(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  AppendSection(out, 10, code);
  return out;
}

}  // namespace wasmhost::testing
