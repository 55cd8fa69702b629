#pragma once
// An HttpClient that hands every call to another one: the base of the clients that
// tests and benchmarks put between the agent and HQ, to count, hold back or drop
// what passes (a subclass overrides only what it watches).
#include <memory>
#include <string_view>

#include "checkpoint/agent/http_client.hpp"

namespace checkpoint::testing {

class ForwardingClient : public agent::HttpClient {
 public:
  explicit ForwardingClient(std::unique_ptr<agent::HttpClient> inner) : inner_(std::move(inner)) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view content_type,
                                   std::string_view body) override {
    return inner_->Post(path, content_type, body);
  }
  Expected<agent::HttpResult> Get(std::string_view path) override { return inner_->Get(path); }
  Expected<agent::DownloadResult> Download(std::string_view path,
                                           const agent::DownloadRequest& request) override {
    return inner_->Download(path, request);
  }

 protected:
  agent::HttpClient& inner() { return *inner_; }

 private:
  std::unique_ptr<agent::HttpClient> inner_;
};

}  // namespace checkpoint::testing
