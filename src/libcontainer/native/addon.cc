// The berth addon: only the syscalls the daemon needs and Node lacks. Every function
// is synchronous (these calls return in microseconds) and throws Node-shaped system
// errors (errors.h). The typed surface is src/libcontainer/native.ts.
#include <napi.h>

#include "exports.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  berth::InitMount(env, exports);
  berth::InitXattr(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(berth, Init)
