// Errors of the addon, in the shape of Node's own system errors: an Error whose
// message is "<code>: <strerror>, <syscall> '<path>'" and which carries `code`
// (errno name, e.g. "EPERM"), `errno` (negative, as Node does), `syscall` and `path`.
#pragma once
#include <napi.h>
#include <string>

namespace berth {

// Throws the JS error for `err` (an errno value) as a C++ Napi::Error.
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path);

// Argument checks: throw TypeError when the JS value has the wrong type.
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name);

}  // namespace berth
