// tools/bindgen: `bindgen c-guest ...`, as `wasmhost bindgen` (see
// lib/bindgen/command.h).

#include <iostream>
#include <string>
#include <vector>

#include "lib/bindgen/command.h"

int main(int argc, char** argv) {
  return wasmhost::bindgen::BindgenMain(
      std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
