// Embind surface of the engine (placeholder while the engine facade lands).
#include <emscripten/bind.h>

#include <string>

namespace {
std::string Version() { return "0.1.0"; }
}  // namespace

EMSCRIPTEN_BINDINGS(kspace_engine) { emscripten::function("version", &Version); }
