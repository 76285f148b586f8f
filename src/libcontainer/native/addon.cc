// The berth addon: the syscalls the daemon needs and Node lacks, and a SHA-256 off
// the event loop. The syscall wrappers are synchronous (they return in
// microseconds); the rtnetlink calls of netlink.cc, the shim's spawn (spawn.cc) and
// the hashing of hash.cc run on the thread pool and return Promises; porch.cc
// answers pings on a thread of its own. All fail with
// Node-shaped system errors (errors.h). The typed surface is src/libcontainer/native.ts.
#include <napi.h>

#include "exports.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  berth::InitMount(env, exports);
  berth::InitXattr(env, exports);
  berth::InitNetlink(env, exports);
  berth::InitSpawn(env, exports);
  berth::InitSocket(env, exports);
  berth::InitHash(env, exports);
  berth::InitPorch(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(berth, Init)
