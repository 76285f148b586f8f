// unreadBytes(fd): how much of what this socket sent its peer has not read yet
// (SIOCOUTQ). On a unix stream socket the kernel charges each sent buffer to the
// sender until the receiver consumes it, so 0 means the peer has read everything.
// The server uses it to keep a hijacked stream's head apart from its first bytes
// (src/server/hijack.ts says why).
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "errors.h"
#include "exports.h"

namespace berth {

namespace {

// unreadBytes(fd: number): number
Napi::Value UnreadBytes(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(ArgNumber(info, 0, "fd"));
  int queued = 0;
  if (ioctl(fd, SIOCOUTQ, &queued) != 0) ThrowErrno(info.Env(), errno, "ioctl SIOCOUTQ", "");
  return Napi::Number::New(info.Env(), queued);
}

}  // namespace

void InitSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("unreadBytes", Napi::Function::New(env, UnreadBytes, "unreadBytes"));
}

}  // namespace berth
