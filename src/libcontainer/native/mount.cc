// mount(2), umount2(2) and mknod(2): the daemon mounts layers (overlay, aufs, binds)
// and creates whiteout char devices; Node has none of these.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

#include "errors.h"
#include "exports.h"

namespace berth {

namespace {

// mount's source, fstype and data may be null (remount, bind, propagation changes).
std::string OptString(const Napi::CallbackInfo& info, size_t i, bool* present) {
  *present = info.Length() > i && info[i].IsString();
  return *present ? info[i].As<Napi::String>().Utf8Value() : std::string();
}

// mount(source: string|null, target: string, fstype: string|null, flags: number, data: string|null)
Napi::Value Mount(const Napi::CallbackInfo& info) {
  bool hasSource, hasType, hasData;
  std::string source = OptString(info, 0, &hasSource);
  std::string target = ArgString(info, 1, "target");
  std::string fstype = OptString(info, 2, &hasType);
  unsigned long flags = static_cast<unsigned long>(ArgNumber(info, 3, "flags"));
  std::string data = OptString(info, 4, &hasData);
  if (mount(hasSource ? source.c_str() : nullptr, target.c_str(), hasType ? fstype.c_str() : nullptr,
            flags, hasData ? data.c_str() : nullptr) != 0)
    ThrowErrno(info.Env(), errno, "mount", target);
  return info.Env().Undefined();
}

// umount2(target: string, flags: number)
Napi::Value Umount2(const Napi::CallbackInfo& info) {
  std::string target = ArgString(info, 0, "target");
  int flags = static_cast<int>(ArgNumber(info, 1, "flags"));
  if (umount2(target.c_str(), flags) != 0) ThrowErrno(info.Env(), errno, "umount2", target);
  return info.Env().Undefined();
}

// mknod(path: string, mode: number, dev: number); mode includes the file type bits.
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  std::string path = ArgString(info, 0, "path");
  mode_t mode = static_cast<mode_t>(ArgNumber(info, 1, "mode"));
  dev_t dev = static_cast<dev_t>(ArgNumber(info, 2, "dev"));
  if (mknod(path.c_str(), mode, dev) != 0) ThrowErrno(info.Env(), errno, "mknod", path);
  return info.Env().Undefined();
}

// makedev(major: number, minor: number): number; glibc's encoding, which fits a JS
// number for every major/minor below 2^20.
Napi::Value Makedev(const Napi::CallbackInfo& info) {
  unsigned int major = static_cast<unsigned int>(ArgNumber(info, 0, "major"));
  unsigned int minor = static_cast<unsigned int>(ArgNumber(info, 1, "minor"));
  return Napi::Number::New(info.Env(), static_cast<double>(makedev(major, minor)));
}

// umount2 on the thread pool. Unmounting the last mount of an overlay shuts its
// superblock down, which syncs the upper filesystem: milliseconds the event loop
// should not spend blocked (with MNT_DETACH the kernel does it as the syscall returns).
class UmountWorker : public Napi::AsyncWorker {
 public:
  UmountWorker(Napi::Env env, std::string target, int flags)
      : Napi::AsyncWorker(env, "berth:umount2"), deferred_(Napi::Promise::Deferred::New(env)),
        target_(std::move(target)), flags_(flags) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    if (umount2(target_.c_str(), flags_) != 0) errno_ = errno;
  }
  void OnOK() override {
    if (!errno_) return deferred_.Resolve(Env().Undefined());
    try {
      ThrowErrno(Env(), errno_, "umount2", target_);
    } catch (Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string target_;
  int flags_;
  int errno_ = 0;
};

// umount2Async(target: string, flags: number): Promise<void>
Napi::Value Umount2Async(const Napi::CallbackInfo& info) {
  std::string target = ArgString(info, 0, "target");
  int flags = static_cast<int>(ArgNumber(info, 1, "flags"));
  auto* w = new UmountWorker(info.Env(), std::move(target), flags);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void InitMount(Napi::Env env, Napi::Object exports) {
  exports.Set("umount2Async", Napi::Function::New(env, Umount2Async, "umount2Async"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount2", Napi::Function::New(env, Umount2, "umount2"));
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("makedev", Napi::Function::New(env, Makedev, "makedev"));
}

}  // namespace berth
