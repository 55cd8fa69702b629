#include "checkpoint/console/console.hpp"

#include "checkpoint/console/app.hpp"
#include "checkpoint/console/http.hpp"
#include "identity.hpp"

namespace checkpoint::console {

namespace {

class Running final : public Console {
 public:
  explicit Running(std::filesystem::path certificate) : certificate_(std::move(certificate)) {}
  void SetApp(std::unique_ptr<App> app) { app_ = std::move(app); }
  ~Running() override { Stop(); }

  Status Serve(const HttpsServer::Options& o, const log::Logger& log) {
    auto server = HttpsServer::Start(
        o, [this](const HttpRequest& r) { return app_->Handle(r); }, events_, log);
    if (!server) return std::move(server).error();
    server_ = std::move(*server);
    return {};
  }

  void NotifyRecorded() override { events_.Notify(); }
  std::vector<std::uint16_t> ports() const override {
    return server_ ? server_->ports() : std::vector<std::uint16_t>{};
  }
  const std::filesystem::path& certificate() const override { return certificate_; }
  void Stop() override {
    if (server_) server_->Stop();
  }
  Events& events() { return events_; }

 private:
  Events events_;  // outlives the server's sessions
  std::unique_ptr<App> app_;
  std::filesystem::path certificate_;
  std::unique_ptr<HttpsServer> server_;
};

}  // namespace

Expected<std::unique_ptr<Console>> Console::Start(const Options& options, StoreRunner& store,
                                                  const common::Clock& clock, log::Logger logger) {
  const auto& cfg = options.config;
  auto assets = LoadAssets(cfg.assets);
  if (!assets) return std::move(assets).error();

  HttpsServer::Options o;
  o.listen = cfg.listen;
  o.threads = cfg.threads;
  if (!cfg.certificate.empty()) {
    o.cert_chain_file = cfg.certificate;
    o.key_file = cfg.private_key;
    auto fp = Fingerprint(cfg.certificate);
    if (!fp) return std::move(fp).error();
    logger.Info("console certificate (provisioned)",
                {{"path", cfg.certificate.string()}, {"sha256", *fp}});
  } else {
    auto id = EnsureSelfSigned(options.data_dir / "console", options.device_id, cfg.listen);
    if (!id) return std::move(id).error();
    o.cert_chain_file = id->certificate;
    o.key_file = id->private_key;
    logger.Notice(id->created ? "console certificate created (self-signed, the box's own)"
                              : "console certificate (self-signed, the box's own)",
                  {{"path", id->certificate.string()}, {"sha256", id->fingerprint}});
  }

  // The App wakes the Events that the server's streams wait on: both live in Running.
  auto running = std::make_unique<Running>(o.cert_chain_file);
  running->SetApp(std::make_unique<App>(App::Options{cfg, options.booths, options.problems},
                                        std::move(*assets), store, clock, running->events(),
                                        logger));
  if (auto s = running->Serve(o, logger); !s) return std::move(s).error();
  return std::unique_ptr<Console>(std::move(running));
}

}  // namespace checkpoint::console
