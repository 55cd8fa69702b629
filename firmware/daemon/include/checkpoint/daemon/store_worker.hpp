#pragma once
// The store's own thread. SQLite calls block (fsync, busy waits), so they never run
// on the daemon's event loop: the loop posts work here and gets the result back as
// a completion on its own executor.
//
// Lifetimes: work posted before Stop() runs to completion, in order; Stop() (or the
// destructor) waits for it. Completions are dispatched to the executor given with
// each job; if that executor's io_context has stopped, they are dropped.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <thread>
#include <utility>

#include "checkpoint/store/store.hpp"

namespace checkpoint::daemon {

class StoreWorker {
 public:
  explicit StoreWorker(store::Store store);
  ~StoreWorker();
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Runs `job(Store&)` on the store thread, then `done(result)` on `ex`.
  template <typename Job, typename Done>
  void Post(Job job, boost::asio::any_io_executor ex, Done done) {
    boost::asio::post(
        ctx_, [this, job = std::move(job), ex = std::move(ex), done = std::move(done)]() mutable {
          auto result = job(store_);
          boost::asio::post(ex, [done = std::move(done), result = std::move(result)]() mutable {
            done(std::move(result));
          });
        });
  }

  // Drains queued jobs and joins the thread. Idempotent.
  void Stop();

 private:
  boost::asio::io_context ctx_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  store::Store store_;
  std::thread thread_;
};

}  // namespace checkpoint::daemon
