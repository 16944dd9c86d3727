#include "wasmhost/component.h"
