#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "ops/table.h"
#include "probe.h"

namespace uringfs {

namespace {

// Setup flags, best first. Each entry needs a newer kernel than the next; a
// kernel that does not know a flag answers EINVAL and we try the next one.
//  - COOP_TASKRUN (5.19): completion task work runs when this thread next
//    enters or leaves the kernel, without an interrupt per op.
//  - SINGLE_ISSUER (6.0): only this thread submits; the kernel skips locking.
//  - TASKRUN_FLAG: the kernel flags pending task work in the SQ ring, so we
//    enter the kernel to run it only when there is some.
//  - SUBMIT_ALL (5.18): one bad SQE does not stop the rest of a submission.
// Not DEFER_TASKRUN (6.1), although it is cheaper still: its task work runs only
// when this thread calls io_uring_enter, so an op waiting on a pipe, FIFO or
// socket cannot make progress while the thread is blocked in a synchronous
// call on the other end (fs.writeSync of more than the pipe buffer into the
// FIFO we are reading deadlocked forever). COOP_TASKRUN's task work interrupts
// such a wait, as node:fs would never block there; for page-cache reads, which
// complete inline, the two measured the same here.
constexpr uint32_t kSetupCandidates[] = {
    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
        IORING_SETUP_TASKRUN_FLAG,
    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
    IORING_SETUP_SUBMIT_ALL,
    0,
};

// Setup flags liburing 2.3's headers lack, each probed at run time (a kernel
// without it answers EINVAL and the ladder goes on without it).
// IORING_SETUP_HYBRID_IOPOLL (Linux 6.13): with IOPOLL, the kernel sleeps
// through part of each request's expected latency before it polls.
#ifndef IORING_SETUP_HYBRID_IOPOLL
#define IORING_SETUP_HYBRID_IOPOLL (1U << 17)
#endif

// Flags the kernel refuses together with SQPOLL (EINVAL, checked on 6.18): the
// task-work flags only make sense when this thread runs the completions.
constexpr uint32_t kNotWithSqpoll =
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN;

// The flags of ladder rung `base` for the polling modes asked for.
uint32_t WithModes(uint32_t base, uint32_t modes, bool hybrid, bool affinity) {
  uint32_t f = base;
  if (modes & Ring::kModeSqpoll) {
    f &= ~kNotWithSqpoll;
    f |= IORING_SETUP_SQPOLL;
    if (affinity) f |= IORING_SETUP_SQ_AFF;
  }
  if (modes & Ring::kModeIopoll) {
    f |= IORING_SETUP_IOPOLL;
    if (hybrid) f |= IORING_SETUP_HYBRID_IOPOLL;
  }
  return f;
}

// Bumped by NoteCredentialsChange; process-wide, as credentials are (glibc
// changes them on every thread at once).
std::atomic<uint32_t> g_creds_epoch{0};

// SQPOLL rings compare credentials at least this often even without a
// process.setuid() call seen (a change made from native code).
constexpr uint64_t kCredsRecheckMs = 100;

// Rounds of submit-then-reap in one prepare callback before the loop gets to
// run timers and other I/O (ops that complete inline can chain forever).
constexpr int kPrepareRounds = 32;

// Most completions handed to JavaScript per loop phase (a prepare callback, a
// poll callback). With more ops in flight than the SQ holds, the callbacks'
// new ops are submitted from inside the reap (GetSqe flushes a full SQ) and
// page-cache or fast O_DIRECT I/O completes at once, so there is always
// another CQE: an unbounded reap never gave timers and other handles a turn
// (a 2 s timer did not fire for over 100 s at queue depth 512 on a 256-entry
// ring). What is left stays in the CQ, and the ring fd stays readable.
constexpr uint32_t kReapBudget = 4096;

// The prep function of each op, by its index in ops/table.h.
using PrepFn = int (*)(OpArgs&, io_uring_sqe*);
#define URING_FS_PREP_ENTRY(name, opcode, fn) fn,
constexpr PrepFn kPreps[] = {URING_FS_OPS(URING_FS_PREP_ENTRY)};
#undef URING_FS_PREP_ENTRY
#define URING_FS_NAME_ENTRY(name, opcode, fn) #name,
constexpr const char* kOpNames[] = {URING_FS_OPS(URING_FS_NAME_ENTRY)};
#undef URING_FS_NAME_ENTRY
constexpr uint32_t kOpCount = sizeof(kPreps) / sizeof(kPreps[0]);

constexpr uint32_t kSqeFlagsMask =
    IOSQE_FIXED_FILE | IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN | IOSQE_ASYNC;

// Slots of the registered (fixed) file table each ring sets up, empty at first
// (IORING_REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE, Linux 5.19). Files
// opened straight into a slot (IORING_OP_OPENAT with a file index, 5.15) or
// installed there are looked up without the fd table per op.
constexpr unsigned kFixedFiles = 1024;

// IORING_REGISTER_CLONE_BUFFERS (Linux 6.12): gives this ring the registered
// buffers of another ring (src_fd), sharing the pinned pages instead of
// pinning them again. liburing 2.3's headers predate it; a kernel without it
// answers -EINVAL. The struct is 6.13's (src_off, dst_off, nr); zeroes there
// mean "the whole table", which is also what 6.12's padding gave.
constexpr unsigned kRegisterCloneBuffers = 30;
struct CloneBuffersArg {
  uint32_t src_fd;
  uint32_t flags;
  uint32_t src_off;
  uint32_t dst_off;
  uint32_t nr;
  uint32_t pad[3];
};

// Whether the ring with fd `fd` has exactly `iov` registered, from its
// /proc/self/fdinfo ("UserBufs:\t<n>" then "<i>: 0x<addr>/<len>" per buffer,
// Linux 5.x on). Cloning from an fd that is no longer the pool's holder (closed,
// its number reused by another ring) would give this ring a table that does
// not match what it believes registered, and every fixed op would fail with
// EFAULT; so a clone happens only from a ring seen to hold this very memory.
// Anything unreadable or unexpected counts as no match (the memory is then
// registered the plain way).
bool RingHolds(int fd, const std::vector<iovec>& iov) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
  FILE* f = fopen(path, "re");
  if (!f) return false;
  char line[256];
  size_t next = 0;
  bool in_bufs = false, ok = false;
  while (fgets(line, sizeof(line), f)) {
    unsigned n = 0;
    if (!in_bufs) {
      if (sscanf(line, "UserBufs: %u", &n) == 1) {
        if (n != iov.size()) break;
        in_bufs = true;
        ok = n == 0;
      }
      continue;
    }
    unsigned idx = 0, len = 0;
    unsigned long long addr = 0;
    if (sscanf(line, " %u: 0x%llx/%u", &idx, &addr, &len) != 3) break;
    if (idx != next || next >= iov.size() || addr != reinterpret_cast<uintptr_t>(iov[next].iov_base) ||
        len != iov[next].iov_len) {
      ok = false;
      break;
    }
    ok = ++next == iov.size();
    if (ok) break;
  }
  fclose(f);
  return ok;
}

double NowSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

napi_value Ring::Define(napi_env env) {
  const napi_property_descriptor props[] = {
      {"init", nullptr, Call<&Ring::Init>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Call<&Ring::Info>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stage", nullptr, Call<&Ring::Stage>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"queueStaged", nullptr, Call<&Ring::QueueStaged>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"flush", nullptr, Call<&Ring::Flush>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cancelAll", nullptr, Call<&Ring::CancelAll>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"installFile", nullptr, Call<&Ring::InstallFile>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"cancel", nullptr, Call<&Ring::Cancel>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"registerBuffers", nullptr, Call<&Ring::RegisterBuffers>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"unregisterBuffers", nullptr, Call<&Ring::UnregisterBuffers>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"shutdown", nullptr, Call<&Ring::Close>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cons = nullptr;
  napi_define_class(env, "NativeRing", NAPI_AUTO_LENGTH, New, nullptr,
                    sizeof(props) / sizeof(props[0]), props, &cons);
  return cons;
}

napi_value Ring::New(napi_env env, napi_callback_info cbinfo) {
  napi_value self;
  if (napi_get_cb_info(env, cbinfo, nullptr, nullptr, &self, nullptr) != napi_ok) return nullptr;
  Ring* ring = new Ring(env);
  if (napi_wrap(env, self, ring, Finalize, nullptr, nullptr) != napi_ok) {
    delete ring;
    return nullptr;
  }
  return self;
}

// The JavaScript object was collected (only possible while nothing is in
// flight: the callback reference is strong until then) or its environment is
// being torn down.
void Ring::Finalize(napi_env env, void* data, void* hint) { delete static_cast<Ring*>(data); }

// Every method: unwrap without node-addon-api's throwing path; an object that
// is not a ring, or an environment that cannot run JavaScript, gets undefined.
template <Napi::Value (Ring::*Method)(const Napi::CallbackInfo&)>
napi_value Ring::Call(napi_env env, napi_callback_info cbinfo) {
  Napi::CallbackInfo info(env, cbinfo);
  void* self = nullptr;
  if (napi_unwrap(env, info.This(), &self) != napi_ok || self == nullptr) return nullptr;
  return (static_cast<Ring*>(self)->*Method)(info);
}

Ring::~Ring() { Shutdown(); }

// init(entries, firstCandidate, onComplete, results: Int32Array[, modes,
// sqIdleMs, sqCpu]) -> 0 | -errno. `modes` is kModeSqpoll | kModeIopoll |
// kModeHybridIopoll; sqCpu -1 leaves the SQ thread unpinned.
Napi::Value Ring::Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (live_ || handles_) return Napi::Number::New(env, -EALREADY);
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsFunction() ||
      !info[3].IsTypedArray()) {
    return Napi::Number::New(env, -EINVAL);
  }
  unsigned entries = info[0].As<Napi::Number>().Uint32Value();
  unsigned first = info[1].As<Napi::Number>().Uint32Value();
  Napi::TypedArray results = info[3].As<Napi::TypedArray>();
  if (results.TypedArrayType() != napi_int32_array || results.ElementLength() < 3) {
    return Napi::Number::New(env, -EINVAL);
  }

  uint32_t modes = 0, idle_ms = 0;
  int32_t cpu = -1;
  if (info.Length() >= 7) {
    if (napi_get_value_uint32(env, info[4], &modes) != napi_ok || napi_get_value_uint32(env, info[5], &idle_ms) != napi_ok ||
        napi_get_value_int32(env, info[6], &cpu) != napi_ok) {
      return Napi::Number::New(env, -EINVAL);
    }
  }

  int rc = -EINVAL;
  io_uring_params params{};
  // Hybrid polling first where asked for; a kernel before 6.13 refuses the
  // flag on every rung, and the ladder runs again without it.
  for (int hybrid = (modes & kModeHybridIopoll) ? 1 : 0; hybrid >= 0 && rc == -EINVAL; hybrid--) {
    uint32_t tried = ~0u;
    for (unsigned i = first; i < sizeof(kSetupCandidates) / sizeof(kSetupCandidates[0]); i++) {
      uint32_t flags = WithModes(kSetupCandidates[i], modes, hybrid, cpu >= 0);
      if (flags == tried) continue;  // SQPOLL makes some rungs equal
      tried = flags;
      params = io_uring_params{};
      params.flags = flags;
      params.sq_thread_idle = idle_ms;
      params.sq_thread_cpu = cpu >= 0 ? static_cast<uint32_t>(cpu) : 0;
      rc = io_uring_queue_init_params(entries, &ring_, &params);
      if (rc != -EINVAL) break;
    }
  }
  if (rc < 0) return Napi::Number::New(env, rc);
  // Without NODROP (5.5) a full CQ silently loses completions: never accept that.
  if (!(params.features & IORING_FEAT_NODROP) || !(params.features & IORING_FEAT_RW_CUR_POS)) {
    io_uring_queue_exit(&ring_);
    return Napi::Number::New(env, -ENOTSUP);
  }
  live_ = true;
  setup_flags_ = params.flags;
  sqpoll_ = (params.flags & IORING_SETUP_SQPOLL) != 0;
  iopoll_ = (params.flags & IORING_SETUP_IOPOLL) != 0;
  creds_ok_ = true;
  if (sqpoll_) {
    creds_epoch_ = g_creds_epoch.load(std::memory_order_acquire);
    if (!Creds::Current(&creds_)) {
      int err = errno ? errno : EPERM;
      io_uring_queue_exit(&ring_);
      live_ = false;
      return Napi::Number::New(env, -err);
    }
  }
  // Older kernels (or RLIMIT_NOFILE below the table's size) refuse: no fixed files then.
  fixed_files_ = io_uring_register_files_sparse(&ring_, kFixedFiles) == 0 ? kFixedFiles : 0;
  if (const char* faults = getenv("URING_FS_FAULTS")) {
    sscanf(faults, "sqe=%u,submit=%u", &fault_sqe_, &fault_submit_) ||
        sscanf(faults, "submit=%u", &fault_submit_);
  }
  slots_.resize(ring_.cq.ring_entries);
  busy_.assign(ring_.cq.ring_entries, 0);

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    io_uring_queue_exit(&ring_);
    live_ = false;
    return Napi::Number::New(env, -ENXIO);
  }
  loop_ = loop;
  creds_checked_ms_ = uv_now(loop);
  handles_ = new Handles();
  handles_->owner = this;
  handles_->poll.data = handles_;
  handles_->prepare.data = handles_;
  handles_->retry.data = handles_;
  handles_->idle.data = handles_;
  if (uv_poll_init(loop, &handles_->poll, ring_.ring_fd) != 0) {
    delete handles_;
    handles_ = nullptr;
    io_uring_queue_exit(&ring_);
    live_ = false;
    return Napi::Number::New(env, -EBADF);
  }
  uv_prepare_init(loop, &handles_->prepare);
  uv_timer_init(loop, &handles_->retry);
  uv_idle_init(loop, &handles_->idle);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->idle));
  handles_->open = 4;
  // The poll stays registered for the ring's whole life and is only ref'd while
  // ops are in flight: starting and stopping it per op would cost two
  // epoll_ctl calls per op at queue depth 1.
  uv_poll_start(&handles_->poll, UV_READABLE, OnPoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
  uv_prepare_start(&handles_->prepare, OnPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->prepare));
  napi_add_async_cleanup_hook(env, OnEnvCleanup, handles_, &handles_->hook);

  on_complete_ = Napi::Reference<Napi::Function>::New(info[2].As<Napi::Function>(), 0);
  results_ref_ = Napi::Reference<Napi::Object>::New(results, 1);
  results_ = static_cast<int32_t*>(results.As<Napi::Int32Array>().Data());
  results_cap_ = static_cast<uint32_t>(results.ElementLength() / 3);
  return Napi::Number::New(env, 0);
}

// Raw napi throughout: a worker terminated while it runs this must get a
// failed call, not a fatal error from node-addon-api's exception path.
Napi::Value Ring::Info(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  napi_value out, v;
  if (!live_ || napi_create_object(env, &out) != napi_ok) return Napi::Value();
  const std::pair<const char*, uint32_t> fields[] = {
      {"sqEntries", ring_.sq.ring_entries},
      {"cqEntries", ring_.cq.ring_entries},
      {"setupFlags", setup_flags_},
      {"features", ring_.features},
      {"fixedFiles", fixed_files_},
  };
  for (const auto& [name, value] : fields) {
    if (napi_create_uint32(env, value, &v) != napi_ok || napi_set_named_property(env, out, name, v) != napi_ok) {
      return Napi::Value();
    }
  }
  napi_value ops = ProbeOps(env, &ring_);
  if (!ops || napi_set_named_property(env, out, "ops", ops) != napi_ok) return Napi::Value();
  napi_value index;
  if (napi_create_object(env, &index) != napi_ok) return Napi::Value();
  for (uint32_t i = 0; i < kOpCount; i++) {
    if (napi_create_uint32(env, i, &v) != napi_ok || napi_set_named_property(env, index, kOpNames[i], v) != napi_ok) {
      return Napi::Value();
    }
  }
  if (napi_set_named_property(env, out, "opIndex", index) != napi_ok) return Napi::Value();
  return Napi::Value(env, out);
}

// stage(i32: Int32Array, f64: Float64Array, objects: Array): registers the
// staging area JavaScript describes ops in (layout: ops/common.h). Every op
// reaches the kernel through it, in the order JavaScript staged them.
Napi::Value Ring::Stage(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (!live_ || info.Length() < 3) return Napi::Number::New(env, -EINVAL);
  napi_typedarray_type t1, t2;
  size_t n1 = 0, n2 = 0, off;
  void *p1 = nullptr, *p2 = nullptr;
  if (napi_get_typedarray_info(env, info[0], &t1, &n1, &p1, nullptr, &off) != napi_ok ||
      napi_get_typedarray_info(env, info[1], &t2, &n2, &p2, nullptr, &off) != napi_ok ||
      t1 != napi_int32_array || t2 != napi_float64_array || !info[2].IsArray() ||
      n1 / kStageInts != n2 / kStageFloats || n1 % kStageInts || n2 % kStageFloats) {
    return Napi::Number::New(env, -EINVAL);
  }
  stage_i32_ = static_cast<int32_t*>(p1);
  stage_f64_ = static_cast<double*>(p2);
  stage_cap_ = static_cast<uint32_t>(n1 / kStageInts);
  stage_refs_[0] = Napi::Reference<Napi::Value>::New(info[0], 1);
  stage_refs_[1] = Napi::Reference<Napi::Value>::New(info[1], 1);
  stage_refs_[2] = Napi::Reference<Napi::Value>::New(info[2], 1);
  return Napi::Number::New(env, 0);
}

// Fills `sqe` from staged record k; 0, or -errno if its arguments are unusable.
int Ring::PrepStaged(uint32_t k, io_uring_sqe* sqe, const napi_value* given) {
  const int32_t* d = stage_i32_ + kStageInts * k;
  uint32_t op = static_cast<uint32_t>(d[kOp]);
  uint32_t slot = static_cast<uint32_t>(d[kTag]) & 0xffff;
  if (op >= kOpCount) return -EINVAL;
  OpArgs args{env_,          d + kFirstInt, stage_f64_ + kStageFloats * k, static_cast<uint32_t>(d[kInt64Mask]),
              staged_objects_, kStageObjects * k, slots_[slot].iov};
  args.given = given;
  if (!fixed_bufs_.empty()) args.fixed = &fixed_bufs_;
  return kPreps[op](args, sqe);
}

// queueStaged(n) -> how many of the first n staged ops were handled (>= 0), or
// -errno if none could be. Each handled record's op field is overwritten with
// 0 (queued: its CQE will come) or -errno (refused, nothing reached the kernel
// for it). Records from the returned count on were not touched: the kernel
// refused to take more SQEs, and JavaScript queues them again, in order.
// A linked chain (records with IOSQE_IO_LINK or _HARDLINK up to the first without) is
// queued whole or not at all, so a link never spans two submissions.
Napi::Value Ring::QueueStaged(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint32_t n = 0;
  if (napi_get_value_uint32(env, info[0], &n) != napi_ok || !stage_i32_) return Napi::Number::New(env, -EINVAL);
  if (!live_) return Napi::Number::New(env, -EBADFD);
  if (n > stage_cap_) return Napi::Number::New(env, -EINVAL);
  // CVE-2024-22017: the SQ thread submits with the credentials the process had
  // at setup. After a setuid/setgid/setgroups it would go on acting with the
  // old ones, so nothing more is submitted until they are the same again.
  if (sqpoll_ && !CredsUnchanged()) return Napi::Number::New(env, kCredsChanged);
  // queueStaged(n, o0, o1): the first record's objects come as arguments (at
  // queue depth 1 every call is one record), the rest from the objects array.
  napi_value first[kStageObjects];
  bool passed = info.Length() >= 1 + kStageObjects;
  if (passed) {
    for (uint32_t j = 0; j < kStageObjects; j++) first[j] = info[1 + j];
  }
  staged_objects_ = nullptr;
  if (n > 1 || !passed) staged_objects_ = stage_refs_[2].Value();
  uint32_t chain_left = 0;   // records left in the chain being queued, this one included
  bool chain_failed = false;  // a member was refused: the rest of the chain is cancelled
  for (uint32_t k = 0; k < n; k++) {
    int32_t* d = stage_i32_ + kStageInts * k;
    uint32_t tag = static_cast<uint32_t>(d[kTag]);
    uint32_t slot = tag & 0xffff;
    uint32_t flags = (tag >> 16) & kSqeFlagsMask;
    bool timed = (static_cast<uint32_t>(d[kInt64Mask]) & kHasTimeout) != 0;
    if (chain_left == 0) {
      if (fault_sqe_ && ++fault_sqe_n_ % fault_sqe_ == 0) return Napi::Number::New(env, k);
      chain_failed = false;
      // The unit queued whole: a chain (records linked to the next), or one
      // record; an op with a timeout takes two SQEs (itself and the timeout).
      chain_left = 1;
      uint32_t sqes = 0;
      for (;;) {
        const int32_t* r = stage_i32_ + kStageInts * (k + chain_left - 1);
        sqes += (static_cast<uint32_t>(r[kInt64Mask]) & kHasTimeout) ? 2 : 1;
        bool linked = (static_cast<uint32_t>(r[kTag]) >> 16) & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
        if (!linked || k + chain_left - 1 >= n - 1) break;
        chain_left++;
      }
      if (sqes > 1) {
        if (sqes > ring_.sq.ring_entries) {
          for (uint32_t j = 0; j < chain_left; j++) stage_i32_[kStageInts * (k + j) + kOp] = -EINVAL;
          k += chain_left - 1;
          chain_left = 0;
          continue;
        }
        if (io_uring_sq_space_left(&ring_) < sqes) Submit();
        if (io_uring_sq_space_left(&ring_) < sqes) return Napi::Number::New(env, k);
      }
    }
    bool last_of_chain = --chain_left == 0;
    // The chain's tail must not link to whatever is staged next.
    if (last_of_chain) flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
    if (chain_failed) {
      d[kOp] = -ECANCELED;
      continue;
    }
    io_uring_sqe* sqe = GetSqe();
    if (!sqe) return Napi::Number::New(env, k);  // only outside chains: they reserved room
    // A slot whose CQE has not come yet is never reused (JavaScript's slot table
    // guarantees it; this makes a bug there an error instead of a mixed-up op).
    int rc = slot >= slots_.size() ? -EINVAL
             : busy_[slot]        ? -EBUSY
             : iopoll_            ? IopollRefusal(d, flags, timed)
                                  : 0;
    if (rc == 0) rc = PrepStaged(k, sqe, k == 0 && passed ? first : nullptr);
    if (rc < 0) {
      // The SQE is taken and cannot be given back: make it a NOP nobody waits
      // for, which also closes a chain whose earlier members are queued.
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data64(sqe, kInternal);
      d[kOp] = rc;
      chain_failed = !last_of_chain;
      continue;
    }
    if (timed) {
      // The op links to its timeout, which carries the op's own link to the
      // next member (a chain goes on after the op, or is cut by the timeout).
      sqe->flags |= flags | IOSQE_IO_LINK;
      // The kernel copies the timespec when it takes the SQE; it stays in the
      // slot until the op's CQE all the same.
      uint32_t ms = static_cast<uint32_t>(d[kTimeoutInt]);
      SlotStore& store = slots_[slot];
      store.ts.tv_sec = ms / 1000;
      store.ts.tv_nsec = static_cast<long long>(ms % 1000) * 1000000;
      store.timed = true;
      store.got = 0;
      io_uring_sqe* tsqe = io_uring_get_sqe(&ring_);  // room was reserved with the op's
      io_uring_prep_link_timeout(tsqe, &store.ts, 0);
      io_uring_sqe_set_data64(tsqe, (static_cast<uint64_t>(static_cast<uint32_t>(d[kGen])) << 32) | slot | kTimeoutBit);
      tsqe->flags |= flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
    } else {
      sqe->flags |= flags;
    }
    io_uring_sqe_set_data64(sqe, (static_cast<uint64_t>(static_cast<uint32_t>(d[kGen])) << 32) | slot);
    busy_[slot] = 1;
    d[kOp] = 0;
    inflight_++;
    if (!armed_) Arm();
  }
  // Queued from outside our prepare callback, the SQEs go out in the next
  // prepare. But this may be the prepare phase itself, after ours ran (another
  // ring's callback, say): then nothing would submit them before the loop
  // blocks in poll. An active idle handle makes that poll return at once (libuv
  // computes its timeout after the prepare phase); our prepare stops it.
  // SQPOLL: publishing the SQ tail is a memory store (a system call only when
  // the SQ thread sleeps), so the thread may start on them now.
  if (sqpoll_ && io_uring_sq_ready(&ring_) > 0) Submit();
  // IOPOLL: nothing interrupts to post these completions; the loop must not
  // block while they are in flight (see OnPrepare).
  if (!in_prepare_ && handles_ && (io_uring_sq_ready(&ring_) > 0 || (iopoll_ && inflight_ > 0))) {
    uv_idle_start(&handles_->idle, OnIdle);
  }
  return Napi::Number::New(env, n);
}

// installFile(slot, fd) -> 0 or -errno: puts a dup of `fd` in fixed-file slot
// `slot` (fd -1 empties it). The slot holds its own reference to the file, so
// closing `fd` afterwards does not affect it, and emptying the slot does not
// close `fd`. Synchronous (IORING_REGISTER_FILES_UPDATE, Linux 5.5): the
// kernel waits for ops in flight on the old file before it lets go of it.
Napi::Value Ring::InstallFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  uint32_t slot = 0;
  int32_t fd = -1;
  if (napi_get_value_uint32(env, info[0], &slot) != napi_ok || napi_get_value_int32(env, info[1], &fd) != napi_ok ||
      slot >= fixed_files_) {
    return Napi::Number::New(env, -EINVAL);
  }
  // IOPOLL: ops on a registered file are not checked one by one (the slot
  // stands for the fd), so its device is checked once, here.
  if (iopoll_ && fd >= 0) {
    int refused = PollableFd(fd);
    if (refused < 0) return Napi::Number::New(env, refused);
  }
  int rc = io_uring_register_files_update(&ring_, slot, &fd, 1);
  return Napi::Number::New(env, rc < 0 ? rc : 0);
}

// registerBuffers(memory: Uint8Array, count, size, cloneFrom) -> 1 (cloned),
// 0 (registered) or -errno: registers `count` buffers of `size` bytes laid end
// to end from the start of `memory` (page-aligned: JavaScript hands a
// WebAssembly.Memory's buffer). With cloneFrom >= 0, first tries to take them
// from the ring whose fd that is (IORING_REGISTER_CLONE_BUFFERS, 6.12), which
// must have registered exactly this memory (checked: RingHolds); if that fails (-EINVAL: a kernel
// without it; -EBADF or -ENXIO: that ring is gone or has no buffers), or
// cloneFrom is -1 (no source, or the test knob simulating an older kernel),
// they are registered here the plain way (IORING_REGISTER_BUFFERS, Linux 5.1), pinning
// the same pages again. The memory is referenced strongly until
// unregisterBuffers or shutdown: the kernel holds its pages until then.
Napi::Value Ring::RegisterBuffers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  if (!fixed_bufs_.empty()) return Napi::Number::New(env, -EBUSY);
  uint8_t* base = nullptr;
  size_t len = 0;
  uint32_t count = 0, size = 0;
  int32_t clone_from = -1;
  if (info.Length() < 4 || !OpArgs::ViewOf(env, info[0], &base, &len) ||
      napi_get_value_uint32(env, info[1], &count) != napi_ok || napi_get_value_uint32(env, info[2], &size) != napi_ok ||
      napi_get_value_int32(env, info[3], &clone_from) != napi_ok) {
    return Napi::Number::New(env, -EINVAL);
  }
  if (!base || reinterpret_cast<uintptr_t>(base) % 4096 != 0 || count == 0 || size == 0 ||
      static_cast<uint64_t>(count) * size > len) {
    return Napi::Number::New(env, -EINVAL);
  }
  std::vector<iovec> iov(count);
  for (uint32_t i = 0; i < count; i++) {
    iov[i].iov_base = base + static_cast<size_t>(i) * size;
    iov[i].iov_len = size;
  }
  int rc = -EINVAL;
  bool cloned = false;
  if (clone_from >= 0 && RingHolds(clone_from, iov)) {
    CloneBuffersArg arg{};
    arg.src_fd = static_cast<uint32_t>(clone_from);
    rc = static_cast<int>(syscall(__NR_io_uring_register, ring_.ring_fd, kRegisterCloneBuffers, &arg, 1));
    if (rc < 0) rc = -errno;
    cloned = rc >= 0;
  }
  if (!cloned) {
    rc = io_uring_register_buffers(&ring_, iov.data(), count);
    if (rc < 0) return Napi::Number::New(env, rc);
  }
  fixed_bufs_ = std::move(iov);
  fixed_ref_ = Napi::Reference<Napi::Value>::New(info[0], 1);
  return Napi::Number::New(env, cloned ? 1 : 0);
}

// unregisterBuffers() -> 0 or -errno. JavaScript calls it once no op using a
// registered buffer is in flight (the kernel keeps the pages of any that were
// until they complete in any case: 5.13's resource nodes).
Napi::Value Ring::UnregisterBuffers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  if (fixed_bufs_.empty()) return Napi::Number::New(env, -ENXIO);
  int rc = io_uring_unregister_buffers(&ring_);
  if (rc < 0) return Napi::Number::New(env, rc);
  fixed_bufs_.clear();
  fixed_ref_.Reset();
  return Napi::Number::New(env, 0);
}

// cancel(slot, gen) -> 0 or -errno: asks the kernel to cancel the op in that
// slot (IORING_OP_ASYNC_CANCEL by user_data, Linux 5.5). The op then completes
// with -ECANCELED, or with its own result if it was past cancelling; either
// way its CQE comes, and only then is anything it uses let go of.
Napi::Value Ring::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  uint32_t slot = 0, gen = 0;
  if (napi_get_value_uint32(env, info[0], &slot) != napi_ok || napi_get_value_uint32(env, info[1], &gen) != napi_ok ||
      slot >= busy_.size()) {
    return Napi::Number::New(env, -EINVAL);
  }
  if (!busy_[slot]) return Napi::Number::New(env, -ENOENT);
  if (iopoll_) return Napi::Number::New(env, -EOPNOTSUPP);  // see CancelAll
  io_uring_sqe* sqe = GetSqe();
  if (!sqe) return Napi::Number::New(env, -EBUSY);
  io_uring_prep_cancel64(sqe, (static_cast<uint64_t>(gen) << 32) | slot, 0);
  io_uring_sqe_set_data64(sqe, kInternal);
  if (!in_prepare_ && handles_) uv_idle_start(&handles_->idle, OnIdle);
  return Napi::Number::New(env, 0);
}

// flush(): submit now rather than at the end of the loop turn.
Napi::Value Ring::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  return Napi::Number::New(env, io_uring_sq_ready(&ring_) ? Submit() : 0);
}

// cancelAll(): ask the kernel to cancel every request in flight (Linux 5.19);
// each cancelled op completes with -ECANCELED through the normal path.
Napi::Value Ring::CancelAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return Napi::Number::New(env, -EBADFD);
  // The kernel refuses IORING_OP_ASYNC_CANCEL on IOPOLL rings (EINVAL, 6.18);
  // the ops complete by themselves, polled I/O within microseconds.
  if (inflight_ > 0 && !iopoll_) {
    io_uring_sqe* sqe = GetSqe();
    if (!sqe) return Napi::Number::New(env, -EBUSY);
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, kInternal);
  }
  return Napi::Number::New(env, 0);
}

// Shutdown's cancel: queued and submitted at once (nothing will run the prepare).
void Ring::CancelInFlight() {
  if (iopoll_) return;  // refused on IOPOLL rings (EINVAL); polled I/O completes by itself
  io_uring_sqe* sqe = GetSqe();
  if (!sqe) return;
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
  io_uring_sqe_set_data64(sqe, kInternal);
  Submit();
}

// shutdown(): JavaScript's destroy() calls this once nothing is in flight.
Napi::Value Ring::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  for (auto& ref : stage_refs_) ref.Reset();
  stage_i32_ = nullptr;
  stage_f64_ = nullptr;
  stage_cap_ = 0;
  if (armed_) {
    armed_ = false;
    on_complete_.Unref();
  }
  on_complete_.Reset();
  results_ref_.Reset();
  fixed_ref_.Reset();
  results_ = nullptr;
  return Napi::Number::New(info.Env(), 0);
}

io_uring_sqe* Ring::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe) return sqe;
  // SQ full: hand what is queued to the kernel now, then retry. Never drop.
  // -EBUSY/-EAGAIN (an overflow backlog before 5.19, memory pressure): flush
  // the kernel's pending completions into the CQ and try again a few times.
  for (int attempt = 0; attempt < 4; attempt++) {
    int rc = Submit();
    sqe = io_uring_get_sqe(&ring_);
    if (sqe) return sqe;
    if (sqpoll_ && rc >= 0) {
      // The SQ thread has not taken the queued entries yet: wait until it
      // frees one (IORING_ENTER_SQ_WAIT, Linux 5.10).
      io_uring_sqring_wait(&ring_);
      continue;
    }
    if (rc != -EBUSY && rc != -EAGAIN) return sqe;
    io_uring_get_events(&ring_);
  }
  return nullptr;
}

int Ring::Submit() {
  for (;;) {
    int rc = io_uring_submit(&ring_);
    if (rc != -EINTR) return rc;
  }
}

// While ops are in flight the poll handle keeps the loop alive and the
// callback (which holds the JavaScript ring, its pending ops and their
// buffers) is a strong reference, so none of it can be collected before the
// kernel is done with it. When idle both are released.
void Ring::Arm() {
  armed_ = true;
  uv_ref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
  on_complete_.Ref();
}

void Ring::Disarm() {
  armed_ = false;
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
  on_complete_.Unref();
}

bool Ring::NeedsFlush() const {
  return IO_URING_READ_ONCE(*ring_.sq.kflags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW);
}

bool Ring::HasCompletions() const { return io_uring_cq_ready(&ring_) > 0 || NeedsFlush(); }

void Ring::SubmitOrRetry() {
  int rc = fault_submit_ && ++fault_submit_n_ % (fault_submit_ + 1) != 0 ? -EBUSY : Submit();
  if (rc >= 0 || io_uring_sq_ready(&ring_) == 0 || retry_armed_ || !handles_) return;
  // -EBUSY/-EAGAIN (the kernel wants completions reaped first, or is short of
  // memory): the SQEs stay queued. Nothing else may wake the loop for them, so
  // a timer retries; it does not keep the loop alive (the poll handle does
  // while ops are in flight) but it bounds how long the loop may block.
  retry_armed_ = true;
  uv_timer_start(&handles_->retry, OnRetry, 1, 0);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->retry));
}

void Ring::OnRetry(uv_timer_t* handle) {
  Ring* self = static_cast<Handles*>(handle->data)->owner;
  if (!self || !self->live_) return;
  self->retry_armed_ = false;
  if (self->HasCompletions()) self->Reap(kReapBudget);
  if (self->live_ && io_uring_sq_ready(&self->ring_) > 0) self->SubmitOrRetry();
}

// Once per loop turn, before the loop blocks: one io_uring_enter for
// everything queued since the last one. Ops the kernel completes inline (page
// cache hits) have their CQEs ready right after it; they are delivered here,
// without waiting for the poll, and what their callbacks queue goes out in
// the next round.
void Ring::OnPrepare(uv_prepare_t* handle) {
  Handles* h = static_cast<Handles*>(handle->data);
  uv_idle_stop(&h->idle);
  Ring* self = h->owner;
  if (!self || !self->live_) return;
  self->in_prepare_ = true;
  uint32_t delivered = 0;
  for (int round = 0; round < kPrepareRounds && delivered < kReapBudget; round++) {
    if (io_uring_sq_ready(&self->ring_) > 0) self->SubmitOrRetry();
    // IOPOLL: completions exist only once someone polls the device for them:
    // one non-blocking pass (io_uring_enter GETEVENTS, min_complete 0) per
    // round. (With SQPOLL too, the SQ thread polls and this only reads the CQ.)
    if (self->iopoll_ && self->inflight_ > 0) io_uring_get_events(&self->ring_);
    if (!self->HasCompletions()) break;
    delivered += self->Reap(kReapBudget - delivered);
    self = h->owner;  // the callback may destroy the ring
    if (!self || !self->live_) return;
  }
  // After the last round: what its callbacks queued goes out now. Completions
  // left over wait for the poll (the ring fd is readable while CQEs wait).
  if (io_uring_sq_ready(&self->ring_) > 0) self->SubmitOrRetry();
  self->in_prepare_ = false;
  // IOPOLL with ops in flight: an active idle handle makes the loop poll for
  // other events without blocking and come straight back here to poll the
  // device again. Busy, as polled I/O is, but only while I/O is in flight.
  if (self->iopoll_ && self->inflight_ > 0) uv_idle_start(&h->idle, OnIdle);
}

void Ring::OnIdle(uv_idle_t* handle) {}

void Ring::NoteCredentialsChange() { g_creds_epoch.fetch_add(1, std::memory_order_acq_rel); }

bool Ring::Creds::Current(Creds* out) {
  if (getresuid(&out->uid[0], &out->uid[1], &out->uid[2]) != 0) return false;
  if (getresgid(&out->gid[0], &out->gid[1], &out->gid[2]) != 0) return false;
  int n = getgroups(0, nullptr);
  if (n < 0) return false;
  out->groups.resize(static_cast<size_t>(n));
  n = getgroups(n, out->groups.data());
  if (n < 0) return false;
  out->groups.resize(static_cast<size_t>(n));
  return true;
}

bool Ring::Creds::operator==(const Creds& o) const {
  for (int i = 0; i < 3; i++) {
    if (uid[i] != o.uid[i] || gid[i] != o.gid[i]) return false;
  }
  return groups == o.groups;
}

// Three system calls, so not on every submission: again when a wrapped
// process.set*id() ran (the epoch moved), else at most every kCredsRecheckMs.
bool Ring::CredsUnchanged() {
  uint32_t epoch = g_creds_epoch.load(std::memory_order_acquire);
  uint64_t now = loop_ ? uv_now(loop_) : 0;
  if (epoch != creds_epoch_ || now - creds_checked_ms_ >= kCredsRecheckMs) {
    Creds current;
    creds_ok_ = Creds::Current(&current) && current == creds_;
    creds_epoch_ = epoch;
    creds_checked_ms_ = now;
  }
  return creds_ok_;
}

// Polled I/O on a device without poll queues is not something to hand the
// kernel: on 6.18 it fails the bio with EOPNOTSUPP, but the failure comes by
// interrupt and a blocking wait for it never returns (the virtio disk here: no
// CQE in minutes with io_uring_wait_cqe; non-blocking polls find it); older
// kernels clear the polled flag and complete such I/O by interrupt, slowly
// behind the polling. So a device is checked once,
// /sys/dev/block/MAJ:MIN/queue/io_poll (a partition's is its disk's), and ops
// on files elsewhere fail at once as 6.18 fails them: EOPNOTSUPP. Anything but
// a regular file or a block device (pipes, sockets, character devices) is
// refused the same way, as the kernel does. Cost: one statx per op (about
// 1 us here); a registered file is checked once, when it is registered.
// statx through syscall(2): glibc's fstat and statx wrappers are symbols of
// glibc 2.33 and 2.28, above the prebuilds' 2.17 floor (scripts/prebuild.js).
int Ring::PollableFd(int fd) {
  struct statx stx;
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) != 0) return -errno;
  uint32_t maj, min;
  if (S_ISREG(stx.stx_mode)) {
    maj = stx.stx_dev_major;
    min = stx.stx_dev_minor;
  } else if (S_ISBLK(stx.stx_mode)) {
    maj = stx.stx_rdev_major;
    min = stx.stx_rdev_minor;
  } else {
    return -EOPNOTSUPP;
  }
  uint64_t dev = (static_cast<uint64_t>(maj) << 32) | min;
  auto it = pollable_.find(dev);
  if (it == pollable_.end()) {
    bool polls = false;
    char path[96];
    snprintf(path, sizeof path, "/sys/dev/block/%u:%u/partition", maj, min);
    bool partition = access(path, F_OK) == 0;
    snprintf(path, sizeof path, "/sys/dev/block/%u:%u/%squeue/io_poll", maj, min, partition ? "../" : "");
    if (FILE* f = fopen(path, "re")) {
      int v = 0;
      polls = fscanf(f, "%d", &v) == 1 && v > 0;
      fclose(f);
    }
    it = pollable_.emplace(dev, polls).first;
  }
  return it->second ? 0 : -EOPNOTSUPP;
}

// Read/write-family ops name their fd in I0 (ops/read.cc and its siblings);
// other ops never reach an IOPOLL ring (src/ring.ts runs them on node:fs), save
// nop. A linked timeout cannot be used: the kernel refuses IORING_OP_LINK_TIMEOUT
// and IORING_OP_ASYNC_CANCEL on IOPOLL rings (EINVAL, 6.18).
int Ring::IopollRefusal(const int32_t* d, uint32_t flags, bool timed) {
  if (timed) return -EOPNOTSUPP;
  uint32_t op = static_cast<uint32_t>(d[kOp]);
  if (op >= kOpCount) return 0;
  PrepFn fn = kPreps[op];
  if (fn != PrepRead && fn != PrepWrite && fn != PrepReadv && fn != PrepWritev) return 0;
  if (flags & IOSQE_FIXED_FILE) return 0;  // checked when it was registered
  return PollableFd(d[kFirstInt]);
}

void Ring::OnPoll(uv_poll_t* handle, int status, int events) {
  Ring* self = static_cast<Handles*>(handle->data)->owner;
  if (!self) return;
  self->Reap(kReapBudget);
}

// Copies every available CQE into the shared Int32Array as (slot, generation,
// res) triples and makes one JavaScript call per batch, which settles them.
uint32_t Ring::Reap(uint32_t budget) {
  if (!live_ || reaping_) return 0;
  uint32_t delivered = 0;
  reaping_ = true;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  for (;;) {
    // Pending task work (DEFER_TASKRUN or COOP_TASKRUN) or an overflow
    // backlog: enter the kernel to turn them into CQEs.
    if (NeedsFlush()) io_uring_get_events(&ring_);
    unsigned head;
    unsigned seen = 0;
    uint32_t n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      seen++;
      uint64_t ud = cqe->user_data;
      if (ud != kInternal) {
        uint32_t lo = static_cast<uint32_t>(ud & 0xffffffffu);
        uint32_t slot = lo & ~kTimeoutBit;
        int32_t res = cqe->res;
        if (slot < slots_.size() && slots_[slot].timed) {
          // An op with a linked timeout: its result goes to JavaScript once
          // both CQEs are in (either may come first), as -ETIME when the
          // timeout fired and the op was cancelled by it.
          SlotStore& store = slots_[slot];
          if (lo & kTimeoutBit) {
            store.timeout_res = res;
            store.got |= 2;
          } else {
            store.op_res = res;
            store.got |= 1;
          }
          if (store.got != 3) continue;
          res = store.op_res;
          if ((res == -ECANCELED || res == -EINTR) && store.timeout_res == -ETIME) res = -ETIME;
          store.timed = false;
          store.got = 0;
        } else if (lo & kTimeoutBit) {
          continue;  // (cannot happen: a timeout's op is marked timed until both are in)
        }
        if (slot < busy_.size()) busy_[slot] = 0;
        results_[3 * n] = static_cast<int32_t>(slot);
        results_[3 * n + 1] = static_cast<int32_t>(ud >> 32);
        results_[3 * n + 2] = res;
        n++;
        if (n == results_cap_) break;
      }
    }
    io_uring_cq_advance(&ring_, seen);
    if (n == 0) break;
    inflight_ -= n;
    delivered += n;
    // JavaScript keeps its callback alive as long as the ring object lives, and
    // the reference is strong while ops are in flight; an empty one is a bug.
    Napi::Function callback = on_complete_.Value();
    if (callback.IsEmpty()) break;
    napi_value argv[1] = {Napi::Number::New(env, n)};
    napi_value result;
    napi_status st =
        napi_make_callback(env, nullptr, env.Global(), callback, 1, argv, &result);
    if (st != napi_ok) {
      // Raw napi only: while a worker is being terminated JavaScript cannot
      // run, and node-addon-api's error objects would abort the process. The
      // JS callback never throws by itself, so a pending exception is either
      // the termination (not an Error: drop it) or a bug (report it).
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value exc;
        bool is_error = false;
        if (napi_get_and_clear_last_exception(env, &exc) == napi_ok &&
            napi_is_error(env, exc, &is_error) == napi_ok && is_error) {
          napi_fatal_exception(env, exc);
        }
      }
      break;
    }
    if (!live_) break;  // destroyed from inside the callback
    if (inflight_ == 0 || delivered >= budget || !HasCompletions()) break;
  }
  if (live_ && inflight_ == 0 && armed_) Disarm();
  reaping_ = false;
  return delivered;
}

void Ring::Shutdown() {
  if (live_) {
    if (inflight_ > 0) {
      // Nobody is left to receive these results (worker terminated, environment
      // torn down): cancel and wait, so the kernel never writes into a buffer
      // V8 is about to free. Regular-file I/O cannot hang; bound the wait anyway.
      // ASYNC_CANCEL_ANY reaches only requests already issued; a linked op
      // started by its head's completion needs a fresh cancel, so send one
      // after every completion and every 100 ms without one.
      CancelInFlight();
      double deadline = NowSeconds() + 10;
      while (inflight_ > 0) {
        __kernel_timespec ts{0, 100 * 1000 * 1000};
        io_uring_cqe* cqe = nullptr;
        int rc;
        if (iopoll_) {
          // A blocking wait on an IOPOLL ring can miss completions that came
          // by interrupt (an O_DIRECT read on a device without poll queues:
          // no CQE in minutes on 6.18, where non-blocking polls find it at
          // once). Poll without blocking, pausing 1 ms between rounds.
          io_uring_get_events(&ring_);
          rc = io_uring_peek_cqe(&ring_, &cqe);
          if (rc == -EAGAIN) {
            timespec pause{0, 1000 * 1000};
            nanosleep(&pause, nullptr);
            if (NowSeconds() > deadline) break;
            continue;
          }
        } else {
          rc = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
        }
        if (rc == 0 && cqe) {
          // (An op's linked timeout completes too, but only the op counts.)
          bool real = cqe->user_data != kInternal && !(static_cast<uint32_t>(cqe->user_data) & kTimeoutBit);
          io_uring_cqe_seen(&ring_, cqe);
          if (real && --inflight_ > 0) CancelInFlight();
        } else if (rc != -ETIME && rc != -EINTR && rc != -EAGAIN) {
          break;
        } else if (NowSeconds() > deadline) {
          break;
        } else {
          CancelInFlight();
        }
      }
      if (inflight_ > 0) {
        fprintf(stderr, "uring-fs: %u operation(s) still in flight after 10 s at ring teardown\n",
                inflight_);
      }
    }
    io_uring_queue_exit(&ring_);
    live_ = false;
    fixed_bufs_.clear();
  }
  if (handles_) {
    handles_->owner = nullptr;
    uv_poll_stop(&handles_->poll);
    uv_prepare_stop(&handles_->prepare);
    uv_timer_stop(&handles_->retry);
    uv_idle_stop(&handles_->idle);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), OnHandleClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->prepare), OnHandleClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->retry), OnHandleClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->idle), OnHandleClosed);
    handles_ = nullptr;
  }
}

void Ring::OnHandleClosed(uv_handle_t* handle) {
  Handles* h = static_cast<Handles*>(handle->data);
  if (--h->open > 0) return;
  if (h->hook) napi_remove_async_cleanup_hook(h->hook);
  delete h;
}

// The environment (main thread at exit, or a worker being terminated) is going
// away: shut the ring down; the last handle close callback tells Node we're done.
void Ring::OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  Handles* h = static_cast<Handles*>(arg);
  if (h->owner) h->owner->Shutdown();
}

}  // namespace uringfs
