// sync_group.h — group commit for fsync: callers that each need "everything written so far is
// on disk" share one sync instead of queueing one each. Used for SQLite's WAL (storage.cpp)
// and for the media folder's directory entries (api_media.cpp). Not a thread pool and not a
// timer: the caller that finds no sync running does it, the others wait (leader/follower).
//
// Why it is sound: a caller takes a number after its write has reached the kernel; a sync that
// *starts* after the number was taken covers that write, because fsync/fdatasync flushes the
// whole file (or directory), whoever wrote it and through whichever descriptor. The leader
// notes the highest number taken when it starts, and on success everyone up to it is done.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace samvad::central {

class SyncGroup {
 public:
  // `sticky`: after a failed sync, every later Join fails too (Storage::SyncCommitted says why
  // the WAL needs that). Otherwise a failure is reported to the callers its run covered.
  explicit SyncGroup(bool sticky) : sticky_(sticky) {}

  // Returns once a run of `sync` that began after this call has succeeded (true), or with its
  // error (false). `sync` returns an empty string on success, else why it failed.
  template <class Sync>
  bool Join(const Sync& sync, std::string* error) {
    return JoinAs(Take(), sync, error);
  }

  // The same in two steps: take a number as soon as the write is made, and join with it later,
  // when the sync is needed. Any sync that starts in between (another caller's) counts, so a
  // caller that does other work in the meantime often finds itself covered already.
  std::uint64_t Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return ++requested_;
  }
  template <class Sync>
  bool JoinAs(std::uint64_t mine, const Sync& sync, std::string* error) {
    std::unique_lock<std::mutex> lock(mu_);
    return Wait(lock, mine, sync, error);
  }

  // Writers about to make something this group must cover count themselves here before they
  // write, and after call LeaveAndJoin (or Leave, when they wrote nothing): Quiet() is then a
  // cheap test that nothing anyone could have read is still waiting for a sync.
  void Enter() {
    std::lock_guard<std::mutex> lock(mu_);
    ++open_;
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
  }
  // Leaving and taking a number under one lock: in between, Quiet() would be wrong.
  template <class Sync>
  bool LeaveAndJoin(const Sync& sync, std::string* error) {
    return Run(sync, error, /*leave=*/true);
  }
  bool Quiet() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_ == 0 && synced_ == requested_;
  }

 private:
  template <class Sync>
  bool Run(const Sync& sync, std::string* error, bool leave) {
    std::unique_lock<std::mutex> lock(mu_);
    if (leave) --open_;
    return Wait(lock, ++requested_, sync, error);
  }
  template <class Sync>
  bool Wait(std::unique_lock<std::mutex>& lock, std::uint64_t mine, const Sync& sync, std::string* error) {
    while (synced_ < mine && failed_upto_ < mine) {
      if (syncing_) {
        done_.wait(lock);
        continue;
      }
      syncing_ = true;
      const std::uint64_t covers = requested_;
      lock.unlock();
      std::string why = sync();
      lock.lock();
      syncing_ = false;
      if (why.empty()) {
        synced_ = covers;
      } else {
        failed_upto_ = sticky_ ? UINT64_MAX : covers;
        failure_ = std::move(why);
      }
      done_.notify_all();
    }
    if (synced_ >= mine) return true;
    *error = failure_;
    return false;
  }

  const bool sticky_;
  std::mutex mu_;
  std::condition_variable done_;
  std::uint64_t requested_ = 0;    // numbers taken
  std::uint64_t synced_ = 0;       // every number up to this one is on disk
  std::uint64_t failed_upto_ = 0;  // every number up to this one got failure_
  bool syncing_ = false;           // a leader is running `sync` now
  int open_ = 0;                   // between Enter and Leave
  std::string failure_;
};

}  // namespace samvad::central
