// One io_uring, its libuv handles and its slot table. A Ring belongs to the
// JavaScript environment (main thread or worker) that created it and is only
// ever touched from that environment's thread.
#pragma once

#include <liburing.h>
#include <napi.h>
#include <uv.h>


#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ops/common.h"

namespace uringfs {

class Ring;

// The libuv handles outlive the Ring object: uv_close completes on a later loop
// turn, and the environment's async cleanup hook must stay registered until it
// has. Freed in the last close callback.
struct Handles {
  uv_poll_t poll;
  uv_prepare_t prepare;
  uv_timer_t retry;  // re-runs a submit the kernel refused (see OnPrepare)
  uv_idle_t idle;    // keeps the loop from blocking before SQEs queued late get submitted
  int open = 0;
  Ring* owner = nullptr;
  napi_async_cleanup_hook_handle hook = nullptr;
};

// A plain napi class (napi_define_class + napi_wrap) rather than
// Napi::ObjectWrap: ObjectWrap turns a failed unwrap into a C++-side throw, and
// while a worker is being terminated that throw itself fails and node-addon-api
// aborts the whole process. Here every entry point fails softly instead.
class Ring {
 public:
  static napi_value Define(napi_env env);
  explicit Ring(napi_env env) : env_(env) {}
  ~Ring();

  // user_data of an SQE whose CQE nobody waits for (cancel requests, ops whose
  // arguments were refused after their SQE was taken).
  static constexpr uint64_t kInternal = ~0ull;

  // What queueStaged returns when an SQPOLL ring refuses to submit because the
  // process's credentials changed since the ring was set up (see CredsChanged).
  // An errno no op produces by itself, so JavaScript can tell the refusal apart.
  static constexpr int kCredsChanged = -EKEYREVOKED;

  // init()'s polling modes (src/ring.ts passes them).
  static constexpr uint32_t kModeSqpoll = 1, kModeIopoll = 2, kModeHybridIopoll = 4;

  // Called when the process may have changed its uid, gid or groups
  // (process.setuid and friends, wrapped by src/polling.ts): every SQPOLL ring
  // on every thread compares its credentials again before its next submission.
  static void NoteCredentialsChange();

 private:
  // JavaScript methods.
  Napi::Value Init(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Stage(const Napi::CallbackInfo& info);
  Napi::Value QueueStaged(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value CancelAll(const Napi::CallbackInfo& info);
  Napi::Value InstallFile(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RegisterBuffers(const Napi::CallbackInfo& info);
  Napi::Value UnregisterBuffers(const Napi::CallbackInfo& info);

  static napi_value New(napi_env env, napi_callback_info cbinfo);
  static void Finalize(napi_env env, void* data, void* hint);
  template <Napi::Value (Ring::*Method)(const Napi::CallbackInfo&)>
  static napi_value Call(napi_env env, napi_callback_info cbinfo);

  io_uring_sqe* GetSqe();
  int Submit();
  // Submits what is queued; if the kernel refuses (-EBUSY, -EAGAIN, -ENOMEM),
  // arms the retry timer so queued SQEs never wait for a wakeup that cannot come.
  void SubmitOrRetry();
  int PrepStaged(uint32_t k, io_uring_sqe* sqe, const napi_value* given);
  // Hands completions to JavaScript until none are left or `budget` have been
  // (kReapBudget, ring.cc); returns how many.
  uint32_t Reap(uint32_t budget);
  bool NeedsFlush() const;
  bool HasCompletions() const;
  void CancelInFlight();
  // IOPOLL: 0 if `fd`'s file is on a block device with poll queues (its
  // queue/io_poll in sysfs), else the kernel's -EOPNOTSUPP (-errno if fstat
  // fails). Cached per device.
  int PollableFd(int fd);
  // IOPOLL: 0, or why the staged op must not reach the kernel (see QueueStaged).
  int IopollRefusal(const int32_t* d, uint32_t flags, bool timed);
  // SQPOLL: whether the process's credentials still equal those the kernel's
  // SQ thread captured at setup (CVE-2024-22017).
  bool CredsUnchanged();
  void Arm();
  void Disarm();
  // Cancels what is in flight, waits (bounded) for every CQE so no kernel
  // write can land in freed memory, then frees the ring and closes the handles.
  void Shutdown();

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPrepare(uv_prepare_t* handle);
  static void OnRetry(uv_timer_t* handle);
  static void OnIdle(uv_idle_t* handle);
  static void OnHandleClosed(uv_handle_t* handle);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg);

  napi_env env_;
  io_uring ring_{};
  bool live_ = false;
  uint32_t setup_flags_ = 0;
  bool sqpoll_ = false;  // IORING_SETUP_SQPOLL: a kernel thread submits
  bool iopoll_ = false;  // IORING_SETUP_IOPOLL: completions are polled for, not interrupts
  uv_loop_t* loop_ = nullptr;
  // SQPOLL: the credentials at setup (the SQ thread keeps them for its whole
  // life), and when they were last compared with the process's.
  struct Creds {
    uid_t uid[3] = {0, 0, 0};
    gid_t gid[3] = {0, 0, 0};
    std::vector<gid_t> groups;
    bool operator==(const Creds& o) const;
    static bool Current(Creds* out);
  };
  Creds creds_;
  uint32_t creds_epoch_ = 0;
  uint64_t creds_checked_ms_ = 0;
  bool creds_ok_ = true;
  std::unordered_map<uint64_t, bool> pollable_;  // IOPOLL: per device (major << 32 | minor), whether it has poll queues
  uint32_t fixed_files_ = 0;  // size of the registered (sparse) file table, 0 if none
  uint32_t inflight_ = 0;
  Handles* handles_ = nullptr;
  std::vector<SlotStore> slots_;           // per slot: what the kernel may read until the CQE
  std::vector<uint8_t> busy_;              // per slot: an SQE is out and its CQE has not come
  // The registered buffers, as the kernel has them (empty: none), and a strong
  // reference to the memory they lie in, held until they are unregistered.
  std::vector<iovec> fixed_bufs_;
  Napi::Reference<Napi::Value> fixed_ref_;
  Napi::FunctionReference on_complete_;   // strong only while ops are in flight
  Napi::ObjectReference results_ref_;     // the Int32Array CQEs are copied into
  int32_t* results_ = nullptr;
  uint32_t results_cap_ = 0;               // in (slot, generation, res) triples
  // The staging area (see Stage and ops/common.h for the record layout).
  int32_t* stage_i32_ = nullptr;
  double* stage_f64_ = nullptr;
  uint32_t stage_cap_ = 0;
  Napi::Reference<Napi::Value> stage_refs_[3];
  bool retry_armed_ = false;
  bool in_prepare_ = false;
  napi_value staged_objects_ = nullptr;  // during QueueStaged: the staging area's objects array
  // Fault injection for the tests (URING_FS_FAULTS="sqe=N,submit=M", read at
  // init): every Nth op or chain is refused an SQE as if the kernel would not
  // take more; M submits from the loop in a row fail with -EBUSY, then one goes
  // through. Off (0) in use.
  uint32_t fault_sqe_ = 0, fault_submit_ = 0, fault_sqe_n_ = 0, fault_submit_n_ = 0;
  bool reaping_ = false;
  bool armed_ = false;
};

}  // namespace uringfs
