#include "errors.h"

#include <cstring>

namespace berth {

namespace {

// errno names for the values these syscalls return; anything else keeps its number
// in the code ("E<n>"), which is still stable to branch on.
const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOTBLK: return "ENOTBLK";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";
    case ENOTSUP: return "ENOTSUP";
    case EDQUOT: return "EDQUOT";
    case ESTALE: return "ESTALE";
    case ESRCH: return "ESRCH";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    default: return nullptr;
  }
}

}  // namespace

void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  const char* name = ErrnoName(err);
  std::string code = name ? name : "E" + std::to_string(err);
  // Node's messages read "ENOENT: no such file or directory, open '/x'": lower-case
  // the first letter of strerror's text to match.
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  std::string message = code + ": " + text + ", " + syscall;
  if (!path.empty()) message += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", code);
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", syscall);
  if (!path.empty()) e.Set("path", path);
  throw e;
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string("The \"") + name + "\" argument must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("The \"") + name + "\" argument must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

}  // namespace berth
