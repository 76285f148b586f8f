// Each source file registers its functions on the addon's exports.
#pragma once
#include <napi.h>

namespace berth {
void InitMount(Napi::Env env, Napi::Object exports);
void InitXattr(Napi::Env env, Napi::Object exports);
void InitNetlink(Napi::Env env, Napi::Object exports);
void InitSpawn(Napi::Env env, Napi::Object exports);
void InitSocket(Napi::Env env, Napi::Object exports);
void InitHash(Napi::Env env, Napi::Object exports);
void InitPorch(Napi::Env env, Napi::Object exports);
}  // namespace berth
