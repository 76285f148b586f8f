// lsetxattr(2), lgetxattr(2), llistxattr(2): overlay marks opaque directories with
// trusted.overlay.opaque, and layer tars carry xattrs (security.capability...).
// The l* variants never follow symlinks, as layer contents must not be followed.
#include <sys/xattr.h>

#include <cerrno>
#include <vector>

#include "errors.h"
#include "exports.h"

namespace berth {

namespace {

// lsetxattr(path: string, name: string, value: Buffer, flags: number)
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  std::string path = ArgString(info, 0, "path");
  std::string name = ArgString(info, 1, "name");
  if (info.Length() < 3 || !info[2].IsBuffer())
    throw Napi::TypeError::New(info.Env(), "The \"value\" argument must be a Buffer");
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  int flags = static_cast<int>(ArgNumber(info, 3, "flags"));
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), flags) != 0)
    ThrowErrno(info.Env(), errno, "lsetxattr", path);
  return info.Env().Undefined();
}

// lgetxattr(path: string, name: string): Buffer | null (null when the attribute is absent)
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  std::string path = ArgString(info, 0, "path");
  std::string name = ArgString(info, 1, "name");
  // Ask for the size, then read; retry if it grew in between (ERANGE).
  for (;;) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA) return info.Env().Null();
      ThrowErrno(info.Env(), errno, "lgetxattr", path);
    }
    std::vector<char> buf(static_cast<size_t>(size));
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), buf.data(), buf.size());
    if (got >= 0) return Napi::Buffer<char>::Copy(info.Env(), buf.data(), static_cast<size_t>(got));
    if (errno == ENODATA) return info.Env().Null();
    if (errno != ERANGE) ThrowErrno(info.Env(), errno, "lgetxattr", path);
  }
}

// llistxattr(path: string): string[]
Napi::Value Llistxattr(const Napi::CallbackInfo& info) {
  std::string path = ArgString(info, 0, "path");
  std::vector<char> buf;
  for (;;) {
    ssize_t size = llistxattr(path.c_str(), nullptr, 0);
    if (size < 0) ThrowErrno(info.Env(), errno, "llistxattr", path);
    buf.resize(static_cast<size_t>(size));
    ssize_t got = size == 0 ? 0 : llistxattr(path.c_str(), buf.data(), buf.size());
    if (got >= 0) {
      buf.resize(static_cast<size_t>(got));
      break;
    }
    if (errno != ERANGE) ThrowErrno(info.Env(), errno, "llistxattr", path);
  }
  // The kernel returns the names NUL-separated.
  Napi::Array names = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (size_t start = 0; start < buf.size();) {
    size_t end = start;
    while (end < buf.size() && buf[end] != '\0') end++;
    if (end > start) names.Set(n++, std::string(buf.data() + start, end - start));
    start = end + 1;
  }
  return names;
}

}  // namespace

void InitXattr(Napi::Env env, Napi::Object exports) {
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
}

}  // namespace berth
