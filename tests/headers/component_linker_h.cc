#include "wasmhost/component_linker.h"
