// The porch: one thread of the daemon's, off the event loop, that answers pings on
// connections the front door has moved to it (src/server/porch.ts says which and
// why). It reads each connection, answers every bodiless HTTP/1.1 GET or HEAD of a
// ping target with the answer the front door last gave it (the same bytes, the Date
// brought up to the second), and at the first request that is anything else it stops
// reading and hands the connection back to the event loop: the fd and every byte it
// read that it did not answer, in order. A connection idle for five seconds is closed,
// as node:http closes its own. One epoll loop serves every listener's connections;
// each carries its front door's tag so it goes back to the door it came from.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "errors.h"
#include "exports.h"

namespace berth {

namespace {

// A header block longer than this without its end is no ping (the front door's limit).
constexpr size_t kMaxHead = 4096;
// node:http's keep-alive timeout, kept for the connections served here.
constexpr int64_t kIdleMs = 5000;
// The width of an HTTP date ("Sun, 06 Dec 2026 02:06:16 GMT").
constexpr size_t kDateWidth = 29;

// The four answers to a ping (GET or HEAD, keep-alive or close), each with where its
// Date value starts.
struct Answers {
  std::string bytes[4];
  size_t date_at[4] = {0, 0, 0, 0};
};

int AnswerIndex(bool head, bool close) { return (head ? 1 : 0) + (close ? 2 : 0); }

struct Conn {
  int fd;
  int tag;
  std::string in;
  std::string out;
  // When it last read or wrote (monotonic ms): idle ones are closed after kIdleMs.
  int64_t last;
  // After a `Connection: close` answer: written and shut down for writing; what the
  // client still sends is read and dropped until it closes (a close with unread bytes
  // would reset the connection, and could lose the answer on the way).
  bool closing = false;
  // After `out` is written: close (a `Connection: close` ping) or go back (another request).
  bool close_after = false;
  bool return_after = false;
  // Whether epoll waits for room to write instead of for bytes to read (a client that
  // does not read its answers is not read either). Changed only when it must: a syscall.
  bool want_out = false;
};

struct Returned {
  int fd;
  int tag;
  std::string bytes;
};

enum class Parsed { kNeedMore, kPing, kOther };

struct Ping {
  bool head = false;
  bool close = false;
  size_t used = 0;
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerTrim(const std::string& s, size_t from, size_t to) {
  while (from < to && (s[from] == ' ' || s[from] == '\t')) from++;
  while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t')) to--;
  std::string out;
  out.reserve(to - from);
  for (size_t i = from; i < to; i++) out.push_back(Lower(s[i]));
  return out;
}

bool HasCloseToken(const std::string& value) {
  size_t from = 0;
  while (from <= value.size()) {
    size_t comma = value.find(',', from);
    if (comma == std::string::npos) comma = value.size();
    if (LowerTrim(value, from, comma) == "close") return true;
    from = comma + 1;
  }
  return false;
}

// The request that starts at `from` in `in`, judged by the front door's rules
// (front-door.ts parseProbe): anything with a body, an upgrade, `Expect`, another
// method or version, or a header line without a colon is not a ping.
Parsed ParseOne(const std::string& in, size_t from, const std::unordered_set<std::string>& targets, Ping* p) {
  size_t end = in.find("\r\n\r\n", from);
  if (end == std::string::npos) return in.size() - from > kMaxHead ? Parsed::kOther : Parsed::kNeedMore;
  size_t line_end = in.find("\r\n", from);
  size_t at;
  if (in.compare(from, 4, "GET ") == 0) {
    p->head = false;
    at = from + 4;
  } else if (in.compare(from, 5, "HEAD ") == 0) {
    p->head = true;
    at = from + 5;
  } else {
    return Parsed::kOther;
  }
  constexpr char kVersion[] = " HTTP/1.1";
  constexpr size_t kVersionLength = sizeof kVersion - 1;
  if (line_end < at + kVersionLength || in.compare(line_end - kVersionLength, kVersionLength, kVersion) != 0) return Parsed::kOther;
  if (targets.count(in.substr(at, line_end - kVersionLength - at)) == 0) return Parsed::kOther;
  bool seen_length = false;
  bool seen_connection = false;
  p->close = false;
  size_t pos = line_end;
  while (pos < end) {
    size_t start = pos + 2;
    size_t to = in.find("\r\n", start);
    if (to > end) to = end;
    size_t colon = in.find(':', start);
    if (colon == std::string::npos || colon >= to) return Parsed::kOther;
    std::string name;
    for (size_t i = start; i < colon; i++) name.push_back(Lower(in[i]));
    if (name == "transfer-encoding" || name == "upgrade" || name == "expect") return Parsed::kOther;
    if (name == "content-length" && !seen_length) {
      seen_length = true;
      if (LowerTrim(in, colon + 1, to) != "0") return Parsed::kOther;
    }
    if (name == "connection" && !seen_connection) {
      seen_connection = true;
      p->close = HasCloseToken(LowerTrim(in, colon + 1, to));
    }
    pos = to;
  }
  p->used = end + 4 - from;
  return Parsed::kPing;
}

// The HTTP date of `t`, as the front door's Date (toUTCString), in any locale.
void FormatDate(time_t t, char out[kDateWidth + 1]) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  gmtime_r(&t, &tm);
  // The year is four digits until 9999; the buffer has room for more so nothing truncates.
  char text[64];
  snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  memcpy(out, text, kDateWidth);
  out[kDateWidth] = '\0';
}

class Porch {
 public:
  Porch(Napi::ThreadSafeFunction back, std::unordered_set<std::string> targets)
      : back_(std::move(back)), targets_(std::move(targets)) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = wake_;
    if (epoll_ < 0 || wake_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) != 0) return;
    thread_ = std::thread([this] { Run(); });
    ready_ = true;
  }

  bool Ready() const { return ready_; }

  void SetAnswers(std::shared_ptr<const Answers> a) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_ = std::move(a);
  }

  void Take(int fd, int tag, std::string bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming_.push_back(Returned{fd, tag, std::move(bytes)});
    }
    Wake();
  }

  void CloseAll(int tag) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_.push_back(tag);
    }
    Wake();
  }

  void GiveBackAll(int tag) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      recalled_.push_back(tag);
    }
    Wake();
  }

  uint64_t Served() const { return served_.load(std::memory_order_relaxed); }

  // The environment is going away (the process exits): the thread stops, so nothing
  // more is handed to it. Runs before the hand-back function's own cleanup (hooks run
  // last-registered first).
  void Stop() {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    Wake();
    thread_.join();
  }

 private:
  void Wake() {
    uint64_t one = 1;
    ssize_t n = write(wake_, &one, sizeof one);
    (void)n;
  }

  void Run() {
    std::vector<struct epoll_event> events(64);
    int64_t swept = Now();
    while (!stopping_.load()) {
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1000);
      now_ = Now();
      second_ = time(nullptr);
      for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        if (fd == wake_) {
          uint64_t count;
          ssize_t r = read(wake_, &count, sizeof count);
          (void)r;
          Commands();
          continue;
        }
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        Serve(it->second, events[i].events);
      }
      if (now_ - swept >= 500) {
        swept = now_;
        Sweep();
      }
    }
  }

  static int64_t Now() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }

  void Commands() {
    std::vector<Returned> incoming;
    std::vector<int> closing;
    std::vector<int> recalled;
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming.swap(incoming_);
      closing.swap(closing_);
      recalled.swap(recalled_);
      current_ = answers_;
    }
    // New connections first: a close or recall queued after a take must find them.
    for (Returned& r : incoming) {
      Conn c{r.fd, r.tag, std::move(r.bytes), std::string(), now_};
      struct epoll_event ev = {};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = r.fd;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, r.fd, &ev) != 0) {
        close(r.fd);
        continue;
      }
      auto it = conns_.emplace(r.fd, std::move(c)).first;
      Serve(it->second, 0);  // bytes the front door had already read
    }
    for (int tag : closing) {
      std::vector<int> fds;
      for (auto& kv : conns_) if (kv.second.tag == tag) fds.push_back(kv.first);
      for (int fd : fds) Drop(fd);
    }
    for (int tag : recalled) {
      std::vector<int> fds;
      for (auto& kv : conns_) if (kv.second.tag == tag) fds.push_back(kv.first);
      // One still writing an answer goes back once it is written (Serve).
      for (int fd : fds) {
        Conn& c = conns_.at(fd);
        if (c.closing || c.close_after) continue;  // ending anyway
        c.return_after = true;
        if (c.out.empty()) GiveBack(fd);
      }
    }
  }

  // Reads what there is, answers every complete ping, writes, and closes or hands back.
  void Serve(Conn& c, uint32_t events) {
    c.last = now_;
    bool eof = false;
    if (c.closing) {
      char sink[4096];
      ssize_t r;
      while ((r = read(c.fd, sink, sizeof sink)) > 0) {
      }
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) Drop(c.fd);
      return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      char buf[16384];
      // A few reads at most per wake: the rest waits for the next (level-triggered) one,
      // so a client that sends without pause cannot hold the thread or grow `in` at will.
      for (int reads = 0; reads < 4;) {
        ssize_t r = read(c.fd, buf, sizeof buf);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          // A short read emptied the socket.
          if (static_cast<size_t>(r) < sizeof buf) break;
          reads++;
          continue;
        }
        if (r == 0) eof = true;
        else if (errno == EINTR) continue;
        else if (errno != EAGAIN) {
          Drop(c.fd);
          return;
        }
        break;
      }
    }
    if (c.out.empty() && !c.close_after && !c.return_after) Answer(c);
    if (!Flush(c)) return;
    if (!c.out.empty()) return;  // the rest when the socket takes it (EPOLLOUT)
    if (c.close_after) {
      shutdown(c.fd, SHUT_WR);
      c.closing = true;
      return;
    }
    if (c.return_after) {
      GiveBack(c.fd);
      return;
    }
    // A client that closed its side with nothing more to ask is done.
    if (eof) Drop(c.fd);
  }

  void Answer(Conn& c) {
    if (!current_) {
      c.return_after = true;
      return;
    }
    size_t used = 0;
    for (;;) {
      Ping p;
      Parsed what = ParseOne(c.in, used, targets_, &p);
      if (what == Parsed::kNeedMore) break;
      if (what == Parsed::kOther) {
        c.return_after = true;
        break;
      }
      used += p.used;
      c.out += Dated(AnswerIndex(p.head, p.close));
      served_.fetch_add(1, std::memory_order_relaxed);
      if (p.close) {
        c.close_after = true;
        break;
      }
    }
    if (used) c.in.erase(0, used);
  }

  // The answer with this second's Date, remade once a second (or when the answers change).
  const std::string& Dated(int i) {
    if (dated_second_ != second_ || dated_from_ != current_) {
      char date[kDateWidth + 1];
      FormatDate(second_, date);
      for (int k = 0; k < 4; k++) {
        dated_[k] = current_->bytes[k];
        if (current_->date_at[k] + kDateWidth <= dated_[k].size()) dated_[k].replace(current_->date_at[k], kDateWidth, date, kDateWidth);
      }
      dated_second_ = second_;
      dated_from_ = current_;
    }
    return dated_[i];
  }

  // Writes what it can; false when the connection is gone.
  bool Flush(Conn& c) {
    while (!c.out.empty()) {
      ssize_t w = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w > 0) {
        c.out.erase(0, static_cast<size_t>(w));
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) break;
      Drop(c.fd);
      return false;
    }
    if (c.want_out != !c.out.empty()) {
      c.want_out = !c.out.empty();
      struct epoll_event ev = {};
      ev.events = c.want_out ? static_cast<uint32_t>(EPOLLOUT) : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP);
      ev.data.fd = c.fd;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    }
    return true;
  }

  // Closes connections with nothing read or written for kIdleMs: idle ones, ones whose
  // client stopped reading its answers, and closing ones whose client never closes.
  void Sweep() {
    std::vector<int> idle;
    for (auto& kv : conns_) {
      if (now_ - kv.second.last >= kIdleMs) idle.push_back(kv.first);
    }
    for (int fd : idle) Drop(fd);
  }

  void Drop(int fd) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns_.erase(fd);
  }

  void GiveBack(int fd) {
    auto it = conns_.find(fd);
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    auto* r = new Returned{fd, it->second.tag, std::move(it->second.in)};
    conns_.erase(it);
    napi_status s = back_.NonBlockingCall(r, [](Napi::Env env, Napi::Function fn, Returned* r) {
      if (env == nullptr || fn.IsEmpty()) {
        close(r->fd);
      } else {
        fn.Call({Napi::Number::New(env, r->fd), Napi::Number::New(env, r->tag),
                 Napi::Buffer<char>::Copy(env, r->bytes.data(), r->bytes.size())});
      }
      delete r;
    });
    if (s != napi_ok) {
      close(fd);
      delete r;
    }
  }

  Napi::ThreadSafeFunction back_;
  const std::unordered_set<std::string> targets_;
  int epoll_ = -1;
  int wake_ = -1;
  bool ready_ = false;
  std::mutex mu_;
  std::vector<Returned> incoming_;
  std::vector<int> closing_;
  std::vector<int> recalled_;
  std::shared_ptr<const Answers> answers_;
  // The porch thread's own: its connections, its copy of the answers, its clock.
  std::unordered_map<int, Conn> conns_;
  std::shared_ptr<const Answers> current_;
  std::string dated_[4];
  time_t dated_second_ = 0;
  std::shared_ptr<const Answers> dated_from_;
  // Monotonic ms for timeouts; the wall clock's second for the Date.
  int64_t now_ = 0;
  time_t second_ = 0;
  std::atomic<uint64_t> served_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// One porch per process, started by the first porchStart and never stopped: its
// thread only waits in epoll while it has nothing to do.
Porch* porch = nullptr;

Porch& Need(Napi::Env env) {
  if (porch == nullptr) throw Napi::Error::New(env, "the porch is not started");
  return *porch;
}

// porchStart(back: (fd, tag, bytes) => void, targets: string[]): void
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (porch != nullptr) return env.Undefined();
  if (!info[0].IsFunction() || !info[1].IsArray()) throw Napi::TypeError::New(env, "porchStart(back, targets)");
  Napi::Array list = info[1].As<Napi::Array>();
  std::unordered_set<std::string> targets;
  for (uint32_t i = 0; i < list.Length(); i++) targets.insert(list.Get(i).As<Napi::String>().Utf8Value());
  auto back = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "berth.porch", 0, 1);
  // The porch must not keep the daemon's event loop alive.
  back.Unref(env);
  porch = new Porch(std::move(back), std::move(targets));
  napi_add_env_cleanup_hook(env, [](void*) { if (porch != nullptr) porch->Stop(); }, nullptr);
  if (!porch->Ready()) {
    int err = errno;
    delete porch;
    porch = nullptr;
    ThrowErrno(env, err, "epoll_create1", "");
  }
  return env.Undefined();
}

// porchAnswers(answers: Buffer[4], dateAt: number[4]): the order is AnswerIndex's.
Napi::Value SetAnswers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray()) throw Napi::TypeError::New(env, "porchAnswers(answers, dateAt)");
  auto a = std::make_shared<Answers>();
  Napi::Array bytes = info[0].As<Napi::Array>();
  Napi::Array at = info[1].As<Napi::Array>();
  if (bytes.Length() != 4 || at.Length() != 4) throw Napi::TypeError::New(env, "porchAnswers wants four answers");
  for (uint32_t i = 0; i < 4; i++) {
    Napi::Buffer<char> b = bytes.Get(i).As<Napi::Buffer<char>>();
    a->bytes[i].assign(b.Data(), b.Length());
    a->date_at[i] = at.Get(i).As<Napi::Number>().Uint32Value();
  }
  Need(env).SetAnswers(std::move(a));
  return env.Undefined();
}

// porchTake(fd: number, tag: number, bytes: Buffer): the porch serves a dup of `fd`
// (the caller closes its own) with `bytes` as what was read of it so far.
Napi::Value Take(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(ArgNumber(info, 0, "fd"));
  int tag = static_cast<int>(ArgNumber(info, 1, "tag"));
  if (!info[2].IsBuffer()) throw Napi::TypeError::New(env, "bytes must be a Buffer");
  Napi::Buffer<char> b = info[2].As<Napi::Buffer<char>>();
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) ThrowErrno(env, errno, "fcntl F_DUPFD_CLOEXEC", "");
  int flags = fcntl(dup, F_GETFL);
  fcntl(dup, F_SETFL, flags | O_NONBLOCK);
  Need(env).Take(dup, tag, std::string(b.Data(), b.Length()));
  return env.Undefined();
}

// porchCloseAll(tag: number): close every connection of that front door's (shutdown).
Napi::Value CloseAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (porch != nullptr) porch->CloseAll(static_cast<int>(ArgNumber(info, 0, "tag")));
  return env.Undefined();
}

// porchGiveBackAll(tag: number): every connection of that front door's goes back to it.
Napi::Value GiveBackAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (porch != nullptr) porch->GiveBackAll(static_cast<int>(ArgNumber(info, 0, "tag")));
  return env.Undefined();
}

// porchServed(): pings answered by the porch since the process started.
Napi::Value Served(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), porch ? static_cast<double>(porch->Served()) : 0);
}

}  // namespace

void InitPorch(Napi::Env env, Napi::Object exports) {
  exports.Set("porchStart", Napi::Function::New(env, Start, "porchStart"));
  exports.Set("porchAnswers", Napi::Function::New(env, SetAnswers, "porchAnswers"));
  exports.Set("porchTake", Napi::Function::New(env, Take, "porchTake"));
  exports.Set("porchCloseAll", Napi::Function::New(env, CloseAll, "porchCloseAll"));
  exports.Set("porchGiveBackAll", Napi::Function::New(env, GiveBackAll, "porchGiveBackAll"));
  exports.Set("porchServed", Napi::Function::New(env, Served, "porchServed"));
}

}  // namespace berth
