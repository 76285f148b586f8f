// Sha256: a SHA-256 that hashes on the thread pool. A pull hashes every byte twice
// (the blob's digest as it arrives, the layer's diffID as it is extracted), which on
// the event loop took a fifth of the main thread's time; here the main thread only
// queues the chunks. A task starts once a batch's worth is queued (a task per
// socket chunk cost the event loop about what the hashing itself did); one task per
// hash runs at a time and takes every chunk queued so far, in order, so the digest
// is the one a synchronous hash of the same bytes gives. The chunks are held by references until hashed: the caller must not
// change their bytes (stream chunks never are). OpenSSL's EVP comes from the
// libcrypto Node itself is linked with (its headers ship with Node's).
#include <openssl/evp.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exports.h"

namespace berth {

namespace {

// Bytes queued before a task is started for them (digest() starts one for less).
constexpr size_t kBatch = 1 << 20;

struct Chunk {
  Napi::Reference<Napi::Buffer<uint8_t>> ref;
  const uint8_t* data;
  size_t length;
};

class Sha256;

// Hashes one batch of chunks off the event loop, then hands back to its hash.
class HashTask : public Napi::AsyncWorker {
 public:
  HashTask(Napi::Object owner, Sha256* hash, EVP_MD_CTX* ctx, std::vector<Chunk> batch)
      : Napi::AsyncWorker(owner.Env(), "berth.sha256"), owner_(Napi::Persistent(owner)), hash_(hash), ctx_(ctx), batch_(std::move(batch)) {}

  void Execute() override {
    for (const Chunk& c : batch_) {
      if (EVP_DigestUpdate(ctx_, c.data, c.length) != 1) {
        SetError("EVP_DigestUpdate failed");
        return;
      }
    }
  }

  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  // Keeps the hash's JavaScript object (and so `hash_`) alive while this runs.
  Napi::ObjectReference owner_;
  Sha256* hash_;
  EVP_MD_CTX* ctx_;
  std::vector<Chunk> batch_;
};

class Sha256 : public Napi::ObjectWrap<Sha256> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sha256", {
      InstanceMethod("update", &Sha256::Update),
      InstanceMethod("digest", &Sha256::Digest),
    });
  }

  explicit Sha256(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sha256>(info), ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      Napi::Error::New(info.Env(), "cannot start a SHA-256").ThrowAsJavaScriptException();
    }
  }

  ~Sha256() override { EVP_MD_CTX_free(ctx_); }

  // The task's batch is done: start the next one, or finish a digest asked for.
  void Done(Napi::Env env, const char* error) {
    running_ = false;
    if (error != nullptr && failure_.empty()) failure_ = error;
    Next(env);
  }

 private:
  // update(chunk: Buffer): void
  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "update: a Buffer is required");
    if (finishing_) throw Napi::Error::New(env, "update after digest");
    auto buf = info[0].As<Napi::Buffer<uint8_t>>();
    if (buf.Length() == 0) return env.Undefined();
    queue_.push_back(Chunk{Napi::Persistent(buf), buf.Data(), buf.Length()});
    queued_ += buf.Length();
    Next(env);
    return env.Undefined();
  }

  // digest(): Promise<string>, the lower-case hex digest once every chunk is hashed.
  Napi::Value Digest(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (finishing_) throw Napi::Error::New(env, "digest already asked for");
    finishing_ = true;
    deferred_ = std::make_unique<Napi::Promise::Deferred>(env);
    Napi::Promise promise = deferred_->Promise();
    Next(env);
    return promise;
  }

  void Next(Napi::Env env) {
    if (running_) return;
    // After a failure nothing more is hashed; the digest is refused.
    if (!failure_.empty()) {
      queue_.clear();
      queued_ = 0;
    }
    if (!queue_.empty()) {
      if (queued_ < kBatch && !finishing_) return;
      std::vector<Chunk> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      queued_ = 0;
      running_ = true;
      (new HashTask(Value(), this, ctx_, std::move(batch)))->Queue();
      return;
    }
    if (!finishing_ || !deferred_) return;
    auto deferred = std::move(deferred_);
    if (!failure_.empty()) {
      deferred->Reject(Napi::Error::New(env, failure_).Value());
      return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &n) != 1) {
      deferred->Reject(Napi::Error::New(env, "EVP_DigestFinal_ex failed").Value());
      return;
    }
    static const char hex[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (unsigned int i = 0; i < n; i++) {
      out[2 * i] = hex[md[i] >> 4];
      out[2 * i + 1] = hex[md[i] & 0xf];
    }
    deferred->Resolve(Napi::String::New(env, out));
  }

  EVP_MD_CTX* ctx_;
  std::deque<Chunk> queue_;
  size_t queued_ = 0;
  bool running_ = false;
  bool finishing_ = false;
  std::string failure_;
  std::unique_ptr<Napi::Promise::Deferred> deferred_;
};

// The batch's references are let go on the main thread, where they were made.
void HashTask::OnOK() {
  batch_.clear();
  hash_->Done(Env(), nullptr);
}

void HashTask::OnError(const Napi::Error& e) {
  batch_.clear();
  std::string message = e.Message();
  hash_->Done(Env(), message.c_str());
}

}  // namespace

void InitHash(Napi::Env env, Napi::Object exports) {
  exports.Set("Sha256", Sha256::Define(env));
}

}  // namespace berth
