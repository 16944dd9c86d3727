#include "wasmhost/component_values.h"
