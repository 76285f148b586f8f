// Starting berth-shim without fork()ing the daemon. Node's child_process forks the
// whole (large) daemon process on the main thread before exec, several ms of copied
// page tables on every container start; posix_spawn clones with CLONE_VM|CLONE_VFORK,
// and it runs here on the thread pool.
//
//   spawnShim(file, argv): Promise<{pid, sync, stderr}>
//     the child runs in a new session with stdin/stdout on /dev/null, `stderr` the
//     read end of a pipe on its fd 2, and `sync` our end of a socketpair on its fd 3
//     (the start handshake). Every signal disposition (glibc's internal ones too) and
//     the mask start at their defaults, as after libuv's fork and exec.
//   waitPid(pid): Promise<number>   reaps a child spawned here (its wait status);
//     libuv reaps only the children it started itself.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "exports.h"

extern char** environ;

namespace berth {

namespace {

// An fd number above stdio and fd 3, so that dup2 onto 0-3 always makes a fresh,
// inheritable copy (dup2 of an fd onto itself would keep its close-on-exec flag).
int HighFd(int fd) {
  if (fd < 0) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  int saved = errno;
  close(fd);
  errno = saved;
  return high;
}

class SpawnWorker : public Napi::AsyncWorker {
 public:
  SpawnWorker(Napi::Env env, std::string file, std::vector<std::string> argv)
      : Napi::AsyncWorker(env, "berth:spawn"), deferred_(Napi::Promise::Deferred::New(env)),
        file_(std::move(file)), argv_(std::move(argv)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    int sv[2] = {-1, -1}, ep[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Fail(errno, "socketpair");
    if (pipe2(ep, O_CLOEXEC) != 0) {
      int e = errno;
      close(sv[0]), close(sv[1]);
      return Fail(e, "pipe2");
    }
    for (int* fd : {&sv[0], &sv[1], &ep[0], &ep[1]}) *fd = HighFd(*fd);
    int err = sv[0] < 0 || sv[1] < 0 || ep[0] < 0 || ep[1] < 0 ? errno : Spawn(sv[1], ep[1]);
    // The child holds its own copies now: only our ends stay open here.
    if (sv[1] >= 0) close(sv[1]);
    if (ep[1] >= 0) close(ep[1]);
    if (err) {
      if (sv[0] >= 0) close(sv[0]);
      if (ep[0] >= 0) close(ep[0]);
      return Fail(err, "posix_spawn");
    }
    sync_ = sv[0], stderr_ = ep[0];
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (errno_) {
      try {
        ThrowErrno(env, errno_, syscall_, file_);
      } catch (Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
      return;
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("pid", Napi::Number::New(env, pid_));
    r.Set("sync", Napi::Number::New(env, sync_));
    r.Set("stderr", Napi::Number::New(env, stderr_));
    deferred_.Resolve(r);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail(int err, const char* syscall) {
    errno_ = err;
    syscall_ = syscall;
  }

  // Returns 0 or an errno value (posix_spawn's own convention).
  int Spawn(int syncFd, int errFd) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, errFd, 2);
    posix_spawn_file_actions_adddup2(&fa, syncFd, 3);
    // Every signal back to its default, glibc's own two (32, 33: thread cancellation
    // and setxid) included: sigfillset leaves those out, and posix_spawn then sets them
    // to SIG_IGN in the child, which would survive the exec into the container's
    // process. All bits set is every signal in the kernel's view.
    sigset_t all, none;
    std::memset(&all, 0xff, sizeof all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    int err = posix_spawn(&pid_, file_.c_str(), &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err;
  }

  Napi::Promise::Deferred deferred_;
  std::string file_;
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int sync_ = -1, stderr_ = -1, errno_ = 0;
  const char* syscall_ = "";
};

class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, pid_t pid)
      : Napi::AsyncWorker(env, "berth:waitpid"), deferred_(Napi::Promise::Deferred::New(env)), pid_(pid) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    while (waitpid(pid_, &status_, 0) < 0) {
      if (errno != EINTR) {
        errno_ = errno;
        return;
      }
    }
  }
  void OnOK() override {
    if (!errno_) return deferred_.Resolve(Napi::Number::New(Env(), status_));
    try {
      ThrowErrno(Env(), errno_, "waitpid", std::to_string(pid_));
    } catch (Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  pid_t pid_;
  int status_ = 0, errno_ = 0;
};

// spawnShim(file: string, argv: string[]): Promise<{pid, sync, stderr}>
Napi::Value SpawnShimJs(const Napi::CallbackInfo& info) {
  std::string file = ArgString(info, 0, "file");
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "The \"argv\" argument must be an array");
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<std::string> argv;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(info.Env(), "argv must hold strings");
    argv.push_back(v.As<Napi::String>().Utf8Value());
  }
  auto* w = new SpawnWorker(info.Env(), std::move(file), std::move(argv));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// waitPid(pid: number): Promise<number>
Napi::Value WaitPidJs(const Napi::CallbackInfo& info) {
  auto* w = new WaitWorker(info.Env(), static_cast<pid_t>(ArgNumber(info, 0, "pid")));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void InitSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnShim", Napi::Function::New(env, SpawnShimJs, "spawnShim"));
  exports.Set("waitPid", Napi::Function::New(env, WaitPidJs, "waitPid"));
}

}  // namespace berth
