// rtnetlink for a container's veth, done in the daemon instead of by spawning
// `ip` and `nsenter` (a fork+exec of the large daemon process each, tens of ms on a
// container start). Every call runs on the libuv thread pool (Napi::AsyncWorker)
// and returns a Promise; errors reject with a Node-shaped system error whose
// message names the step, and the kernel's extended ACK text when it sent one.
//
//   plugVeth({host, peer, bridge, pid, mac, mtu?, address, prefix, gateway?, hairpin?, ipv6?})
//     one RTM_NEWLINK makes the pair with the peer created straight in the netns
//     of `pid` under its final name, MAC and MTU, and the host end enslaved to
//     `bridge` and up; then, on a NETLINK_ROUTE socket opened inside that netns,
//     the address, eth0 and lo up, and the default route. On any failure the
//     pair is deleted (deleting the host end takes the peer with it).
//   replaceDefaultRoute(pid, gateway, ifname)
//   deleteLink(name)   resolves false when there was no such link
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "exports.h"

namespace berth {

namespace {

// A failed step: errno, what was being done, and the kernel's own words if any.
struct Failure {
  int err = 0;
  std::string step;
  std::string detail;
};

// An fd closed at scope exit (crun's cleanup_close).
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd >= 0) close(fd); }
};

// One netlink request under construction: the header, a fixed struct, then
// attributes; nested attributes are opened and closed around their children.
class Request {
 public:
  Request(uint16_t type, uint16_t flags) {
    buf_.resize(NLMSG_HDRLEN);
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  }
  template <typename T>
  void Put(const T& body) { Append(&body, sizeof body); }
  void Attr(uint16_t type, const void* data, size_t len) {
    rtattr a{static_cast<unsigned short>(RTA_LENGTH(len)), type};
    Append(&a, sizeof a);
    Append(data, len);
  }
  void AttrStr(uint16_t type, const std::string& s) { Attr(type, s.c_str(), s.size() + 1); }
  void AttrU32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof v); }
  void AttrU8(uint16_t type, uint8_t v) { Attr(type, &v, sizeof v); }
  size_t Open(uint16_t type) {
    size_t at = buf_.size();
    rtattr a{0, static_cast<unsigned short>(type | NLA_F_NESTED)};
    Append(&a, sizeof a);
    return at;
  }
  void Close(size_t at) {
    reinterpret_cast<rtattr*>(&buf_[at])->rta_len = static_cast<unsigned short>(buf_.size() - at);
  }
  // Inside a nest whose payload starts with a struct (VETH_INFO_PEER's ifinfomsg).
  template <typename T>
  void PutRaw(const T& body) { Append(&body, sizeof body); }
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  std::vector<char>& Finish(uint32_t seq) {
    hdr()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    hdr()->nlmsg_seq = seq;
    return buf_;
  }

 private:
  void Append(const void* p, size_t len) {
    size_t at = buf_.size();
    buf_.resize(NLMSG_ALIGN(at + len), 0);
    std::memcpy(&buf_[at], p, len);
  }
  std::vector<char> buf_;
};

// A NETLINK_ROUTE socket in the netns it was opened in (the socket keeps it).
class Rtnl {
 public:
  bool Open(Failure* f) {
    fd_.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_.fd < 0) return Fail(f, errno, "socket(NETLINK_ROUTE)");
    int one = 1;
    // The kernel's reason in words ("Unknown device type", "Nexthop has invalid gateway").
    setsockopt(fd_.fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd_.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return true;
  }

  // Sends `req` and waits for its ACK; `reply`, if given, receives the first
  // non-error answer (RTM_GETLINK's link).
  bool Call(Request& req, const char* step, Failure* f, std::vector<char>* reply = nullptr) {
    uint32_t seq = ++seq_;
    std::vector<char>& msg = req.Finish(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd_.fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
      return Fail(f, errno, step);
    std::vector<char> space(65536);
    char* buf = space.data();
    for (;;) {
      ssize_t n = recv(fd_.fd, buf, space.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(f, errno, step);
      }
      int len = static_cast<int>(n);
      for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq != seq) continue;
        if (h->nlmsg_type == NLMSG_ERROR) {
          auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
          if (e->error == 0) return true;
          Fail(f, -e->error, step);
          f->detail = ExtAckText(h);
          return false;
        }
        if (reply) reply->assign(reinterpret_cast<char*>(h), reinterpret_cast<char*>(h) + h->nlmsg_len);
      }
    }
  }

  static bool Fail(Failure* f, int err, const char* step) {
    f->err = err;
    f->step = step;
    return false;
  }

 private:
  // NLMSGERR_ATTR_MSG after the (capped) request copy, when the kernel sent one.
  static std::string ExtAckText(nlmsghdr* h) {
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
    size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
      auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
      off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
    }
    for (size_t at = off; at + sizeof(nlattr) <= h->nlmsg_len;) {
      auto* a = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(h) + at);
      if (a->nla_len < sizeof(nlattr) || at + a->nla_len > h->nlmsg_len) break;
      if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
        return std::string(reinterpret_cast<char*>(a) + NLA_HDRLEN, strnlen(reinterpret_cast<char*>(a) + NLA_HDRLEN, a->nla_len - NLA_HDRLEN));
      at += NLA_ALIGN(a->nla_len);
    }
    return "";
  }

  Fd fd_;
  uint32_t seq_ = 0;
};

// The interface index of `name` in the socket's netns.
bool LinkIndex(Rtnl& nl, const std::string& name, int* index, Failure* f) {
  Request req(RTM_GETLINK, 0);
  req.Put(ifinfomsg{});
  req.AttrStr(IFLA_IFNAME, name);
  std::vector<char> reply;
  if (!nl.Call(req, "RTM_GETLINK", f, &reply)) return false;
  if (reply.size() < NLMSG_LENGTH(sizeof(ifinfomsg))) return Rtnl::Fail(f, ENODEV, "RTM_GETLINK");
  *index = static_cast<ifinfomsg*>(NLMSG_DATA(reinterpret_cast<nlmsghdr*>(reply.data())))->ifi_index;
  return true;
}

// Sets link `name` up (looked up by name: ifi_index 0).
bool LinkUp(Rtnl& nl, const std::string& name, Failure* f) {
  Request req(RTM_NEWLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  req.Put(ifi);
  req.AttrStr(IFLA_IFNAME, name);
  return nl.Call(req, "RTM_NEWLINK up", f);
}

bool DeleteLink(Rtnl& nl, const std::string& name, Failure* f) {
  Request req(RTM_DELLINK, 0);
  req.Put(ifinfomsg{});
  req.AttrStr(IFLA_IFNAME, name);
  return nl.Call(req, "RTM_DELLINK", f);
}

bool ParseIp4(const std::string& s, in_addr* out, Failure* f) {
  if (inet_pton(AF_INET, s.c_str(), out) == 1) return true;
  f->err = EINVAL;
  f->step = "parse address";
  f->detail = "not an IPv4 address: " + s;
  return false;
}

bool ParseMac(const std::string& s, unsigned char mac[6], Failure* f) {
  unsigned int b[6];
  char tail;
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) == 6) {
    for (int i = 0; i < 6; i++) mac[i] = static_cast<unsigned char>(b[i]);
    return true;
  }
  f->err = EINVAL;
  f->step = "parse MAC";
  f->detail = "not a MAC address: " + s;
  return false;
}

// `route add default via gw dev ifindex` (NLM_F_EXCL) or `route replace` (NLM_F_REPLACE).
bool DefaultRoute(Rtnl& nl, in_addr gw, int ifindex, bool replace, Failure* f) {
  Request req(RTM_NEWROUTE, static_cast<uint16_t>(NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL)));
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_BOOT;
  rt.rtm_scope = RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  req.Put(rt);
  req.Attr(RTA_GATEWAY, &gw, sizeof gw);
  req.AttrU32(RTA_OIF, static_cast<uint32_t>(ifindex));
  return nl.Call(req, "RTM_NEWROUTE default", f);
}

// Opens `nl` inside the netns of `nsfd`: this thread enters it, opens the socket
// and goes straight back. A thread-pool thread left in a container's netns would
// open every later socket of the daemon's thread pool there, so failing to return
// ends the process rather than go on.
bool OpenIn(int nsfd, Rtnl& nl, Failure* f) {
  char self[64];
  std::snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", static_cast<long>(syscall(SYS_gettid)));
  Fd own(open(self, O_RDONLY | O_CLOEXEC));
  if (own.fd < 0) return Rtnl::Fail(f, errno, "open own netns");
  if (setns(nsfd, CLONE_NEWNET) != 0) return Rtnl::Fail(f, errno, "setns into the container's netns");
  bool ok = nl.Open(f);
  if (setns(own.fd, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "berth: cannot return a thread to its network namespace: %s\n", std::strerror(errno));
    std::abort();
  }
  return ok;
}

struct VethArgs {
  std::string host, peer, bridge, mac, address, gateway;
  int pid = 0, mtu = 0, prefix = 0;
  bool hairpin = false;
  // Keep IPv6 on the interface (an IPv6 link-local address was asked for).
  bool ipv6 = false;
};

// The pair, the peer in the netns of `nsfd`, the host end on the bridge and up.
bool CreatePair(Rtnl& nl, const VethArgs& a, int nsfd, int master, const unsigned char mac[6], Failure* f) {
  Request req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  req.Put(ifi);
  req.AttrStr(IFLA_IFNAME, a.host);
  if (a.mtu) req.AttrU32(IFLA_MTU, static_cast<uint32_t>(a.mtu));
  req.AttrU32(IFLA_MASTER, static_cast<uint32_t>(master));
  size_t info = req.Open(IFLA_LINKINFO);
  req.AttrStr(IFLA_INFO_KIND, "veth");
  size_t data = req.Open(IFLA_INFO_DATA);
  size_t peer = req.Open(VETH_INFO_PEER);
  req.PutRaw(ifinfomsg{});
  req.AttrStr(IFLA_IFNAME, a.peer);
  req.Attr(IFLA_ADDRESS, mac, 6);
  if (a.mtu) req.AttrU32(IFLA_MTU, static_cast<uint32_t>(a.mtu));
  req.AttrU32(IFLA_NET_NS_FD, static_cast<uint32_t>(nsfd));
  req.Close(peer);
  req.Close(data);
  req.Close(info);
  return nl.Call(req, "RTM_NEWLINK veth", f);
}

// `ip link set dev host type bridge_slave hairpin on`.
bool Hairpin(Rtnl& nl, const std::string& host, Failure* f) {
  Request req(RTM_NEWLINK, 0);
  req.Put(ifinfomsg{});
  req.AttrStr(IFLA_IFNAME, host);
  size_t info = req.Open(IFLA_LINKINFO);
  req.AttrStr(IFLA_INFO_SLAVE_KIND, "bridge");
  size_t data = req.Open(IFLA_INFO_SLAVE_DATA);
  req.AttrU8(IFLA_BRPORT_MODE, 1);
  req.Close(data);
  req.Close(info);
  return nl.Call(req, "RTM_NEWLINK hairpin", f);
}

// IPv6 off on the container's interface, before it is up: on a network without IPv6
// an interface with it would still join IPv6 multicast groups and take router
// advertisements, open to neighbour-cache poisoning and route injection by other
// containers, and dockerd switches it off too. The sysctl is the netns's own, so it
// is written from inside it, as OpenIn enters (a kernel without IPv6 has no file).
bool DisableIpv6In(int nsfd, const std::string& ifname, Failure* f) {
  char self[64];
  std::snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", static_cast<long>(syscall(SYS_gettid)));
  Fd own(open(self, O_RDONLY | O_CLOEXEC));
  if (own.fd < 0) return Rtnl::Fail(f, errno, "open own netns");
  if (setns(nsfd, CLONE_NEWNET) != 0) return Rtnl::Fail(f, errno, "setns into the container's netns");
  std::string path = "/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6";
  int err = 0;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) err = errno == ENOENT ? 0 : errno;
  else if (write(fd, "1", 1) != 1) err = errno;
  if (fd >= 0) close(fd);
  if (setns(own.fd, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "berth: cannot return a thread to its network namespace: %s\n", std::strerror(errno));
    std::abort();
  }
  return err == 0 || Rtnl::Fail(f, err, ("disable IPv6 on " + ifname).c_str());
}

// Address, links up and default route, on a socket opened in the container's netns.
bool ConfigureInside(int nsfd, const VethArgs& a, in_addr addr, bool hasGw, in_addr gw, Failure* f) {
  if (!a.ipv6 && !DisableIpv6In(nsfd, a.peer, f)) return false;
  Rtnl in;
  if (!OpenIn(nsfd, in, f)) return false;
  int index = 0;
  if (!LinkIndex(in, a.peer, &index, f)) return false;
  Request req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = static_cast<unsigned char>(a.prefix);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<unsigned int>(index);
  req.Put(ifa);
  req.Attr(IFA_LOCAL, &addr, sizeof addr);
  req.Attr(IFA_ADDRESS, &addr, sizeof addr);
  if (a.prefix < 31) {
    // The broadcast address, as dockerd's containers have it (`brd` in `ip addr`).
    uint32_t mask = a.prefix ? htonl(~0u << (32 - a.prefix)) : 0;
    in_addr brd{addr.s_addr | ~mask};
    req.Attr(IFA_BROADCAST, &brd, sizeof brd);
  }
  if (!in.Call(req, "RTM_NEWADDR", f)) return false;
  if (!LinkUp(in, a.peer, f) || !LinkUp(in, "lo", f)) return false;
  return !hasGw || DefaultRoute(in, gw, index, false, f);
}

bool PlugVeth(const VethArgs& a, Failure* f) {
  unsigned char mac[6];
  in_addr addr{}, gw{};
  if (!ParseMac(a.mac, mac, f) || !ParseIp4(a.address, &addr, f)) return false;
  bool hasGw = !a.gateway.empty();
  if (hasGw && !ParseIp4(a.gateway, &gw, f)) return false;
  std::string nsPath = "/proc/" + std::to_string(a.pid) + "/ns/net";
  Fd ns(open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.fd < 0) return Rtnl::Fail(f, errno, "open the container's netns");
  Rtnl host;
  if (!host.Open(f)) return false;
  int master = 0;
  if (!LinkIndex(host, a.bridge, &master, f)) {
    f->step = "find bridge " + a.bridge;
    return false;
  }
  if (!CreatePair(host, a, ns.fd, master, mac, f)) return false;
  if ((a.hairpin && !Hairpin(host, a.host, f)) || !ConfigureInside(ns.fd, a, addr, hasGw, gw, f)) {
    Failure ignored;
    DeleteLink(host, a.host, &ignored);
    return false;
  }
  return true;
}

// The rejected promise's error: "EEXIST: file exists, RTM_NEWLINK veth 'vethab12cd3' (File exists)".
Napi::Error MakeError(Napi::Env env, const Failure& f, const std::string& what) {
  try {
    ThrowErrno(env, f.err, f.step.c_str(), what);
  } catch (Napi::Error& e) {
    if (!f.detail.empty()) {
      std::string msg = e.Get("message").As<Napi::String>().Utf8Value() + ": " + f.detail;
      e.Set("message", msg);
      e.Set("detail", f.detail);
    }
    return e;
  }
  return Napi::Error::New(env, "unreachable");
}

// An AsyncWorker whose Execute is `run` and whose result settles a Promise.
class Job : public Napi::AsyncWorker {
 public:
  using Fn = bool (*)(void* ctx, Failure* f, bool* result);
  Job(Napi::Env env, std::string what)
      : Napi::AsyncWorker(env, "berth:netlink"), deferred_(Napi::Promise::Deferred::New(env)), what_(std::move(what)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void OnOK() override {
    Napi::Env env = Env();
    if (failure_.err) deferred_.Reject(MakeError(env, failure_, what_).Value());
    else deferred_.Resolve(Napi::Boolean::New(env, result_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  Failure failure_;
  bool result_ = true;

 private:
  Napi::Promise::Deferred deferred_;
  std::string what_;
};

class PlugJob : public Job {
 public:
  PlugJob(Napi::Env env, VethArgs a) : Job(env, a.host), a_(std::move(a)) {}
  void Execute() override { PlugVeth(a_, &failure_); }

 private:
  VethArgs a_;
};

class RouteJob : public Job {
 public:
  RouteJob(Napi::Env env, int pid, std::string gw, std::string ifname)
      : Job(env, ifname), pid_(pid), gw_(std::move(gw)), ifname_(std::move(ifname)) {}
  void Execute() override {
    in_addr gw{};
    if (!ParseIp4(gw_, &gw, &failure_)) return;
    std::string nsPath = "/proc/" + std::to_string(pid_) + "/ns/net";
    Fd ns(open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.fd < 0) {
      Rtnl::Fail(&failure_, errno, "open the container's netns");
      return;
    }
    Rtnl in;
    int index = 0;
    if (OpenIn(ns.fd, in, &failure_) && LinkIndex(in, ifname_, &index, &failure_))
      DefaultRoute(in, gw, index, true, &failure_);
  }

 private:
  int pid_;
  std::string gw_, ifname_;
};

class DeleteJob : public Job {
 public:
  DeleteJob(Napi::Env env, std::string name) : Job(env, name), name_(std::move(name)) {}
  void Execute() override {
    Rtnl nl;
    if (!nl.Open(&failure_)) return;
    if (DeleteLink(nl, name_, &failure_)) return;
    // Gone already (its namespace ended and took the pair): not an error.
    if (failure_.err == ENODEV) {
      failure_ = Failure{};
      result_ = false;
    }
  }

 private:
  std::string name_;
};

std::string OptField(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

std::string Field(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("The \"") + key + "\" property must be a string");
  return v.As<Napi::String>().Utf8Value();
}

int NumField(const Napi::Object& o, const char* key, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsNumber()) return v.As<Napi::Number>().Int32Value();
  if (required) throw Napi::TypeError::New(o.Env(), std::string("The \"") + key + "\" property must be a number");
  return 0;
}

// plugVeth(spec: {host, peer, bridge, pid, mac, address, prefix, mtu?, gateway?, hairpin?, ipv6?}): Promise<boolean>
Napi::Value PlugVethJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "The \"spec\" argument must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  VethArgs a;
  a.host = Field(o, "host");
  a.peer = Field(o, "peer");
  a.bridge = Field(o, "bridge");
  a.mac = Field(o, "mac");
  a.address = Field(o, "address");
  a.gateway = OptField(o, "gateway");
  a.pid = NumField(o, "pid", true);
  a.prefix = NumField(o, "prefix", true);
  a.mtu = NumField(o, "mtu", false);
  a.hairpin = o.Get("hairpin").ToBoolean().Value();
  a.ipv6 = o.Get("ipv6").ToBoolean().Value();
  if (a.host.size() >= IFNAMSIZ || a.peer.size() >= IFNAMSIZ || a.prefix < 0 || a.prefix > 32)
    throw Napi::TypeError::New(info.Env(), "plugVeth: an interface name is longer than 15 characters or the prefix is not 0-32");
  auto* job = new PlugJob(info.Env(), std::move(a));
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// replaceDefaultRoute(pid: number, gateway: string, ifname: string): Promise<boolean>
Napi::Value ReplaceDefaultRouteJs(const Napi::CallbackInfo& info) {
  int pid = static_cast<int>(ArgNumber(info, 0, "pid"));
  auto* job = new RouteJob(info.Env(), pid, ArgString(info, 1, "gateway"), ArgString(info, 2, "ifname"));
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// deleteLink(name: string): Promise<boolean>; false when there was no such link.
Napi::Value DeleteLinkJs(const Napi::CallbackInfo& info) {
  auto* job = new DeleteJob(info.Env(), ArgString(info, 0, "name"));
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

}  // namespace

void InitNetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("plugVeth", Napi::Function::New(env, PlugVethJs, "plugVeth"));
  exports.Set("replaceDefaultRoute", Napi::Function::New(env, ReplaceDefaultRouteJs, "replaceDefaultRoute"));
  exports.Set("deleteLink", Napi::Function::New(env, DeleteLinkJs, "deleteLink"));
}

}  // namespace berth
