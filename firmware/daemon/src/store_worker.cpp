#include "checkpoint/daemon/store_worker.hpp"

namespace checkpoint::daemon {

StoreWorker::StoreWorker(store::Store store)
    : guard_(boost::asio::make_work_guard(ctx_)), store_(std::move(store)) {
  thread_ = std::thread([this] { ctx_.run(); });
}

StoreWorker::~StoreWorker() {
  Stop();
}

void StoreWorker::Stop() {
  guard_.reset();  // run() returns once the queue is empty
  if (thread_.joinable()) thread_.join();
}

}  // namespace checkpoint::daemon
