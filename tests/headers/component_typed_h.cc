#include "wasmhost/component_typed.h"
