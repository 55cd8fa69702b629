#pragma once
// Keys, images and a box's data directory for the updater's tests.

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/migrations.hpp"
#include "checkpoint/store/store.hpp"
#include "checkpoint/update/image.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

namespace checkpoint::update::testing {

using checkpoint::testing::Must;

struct TestKey {
  std::string private_pem;
  std::string public_pem;
};

inline TestKey MakeKey() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> k(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  REQUIRE(k);
  auto pem = [&](bool priv) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE(
        (priv ? PEM_write_bio_PrivateKey(bio.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr)
              : PEM_write_bio_PUBKEY(bio.get(), k.get())) == 1);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  return {pem(true), pem(false)};
}

using Files = std::vector<std::pair<std::string, std::string>>;

inline Files SampleFiles(std::int64_t version) {
  return {{"checkpointd", "daemon build " + std::to_string(version) + std::string(70000, 'd')},
          {"checkpoint-sync", "agent build " + std::to_string(version)},
          {"empty.conf", ""}};
}

inline std::string MakeImage(const TestKey& key, std::int64_t version,
                             std::string hardware = ThisHardware(), bool allow_downgrade = false,
                             Files files = {}) {
  UpdateManifest m;
  m.version = version;
  m.hardware = std::move(hardware);
  m.created_ms = 1'790'000'000'000;
  m.allow_downgrade = allow_downgrade;
  return Must(BuildImage(m, files.empty() ? SampleFiles(version) : files, key.private_pem));
}

inline void WriteFile(const std::filesystem::path& p, std::string_view bytes) {
  Must(common::WriteFileAtomic(p, bytes, 0600));
}

inline std::string ReadAll(const std::filesystem::path& p) {
  return Must(common::ReadFile(p, 64u << 20));
}

// A grubenv file as a PC is provisioned with one (docs/update.md): made by the real
// grub-editenv (Debian package grub-common; scripts/deps.sh --test), with the four
// variables and one of GRUB's own that must stay.
inline void MakeGrubEnv(const std::filesystem::path& file) {
  INFO("grub-editenv is missing: scripts/deps.sh --test installs grub-common");
  REQUIRE(std::system("command -v grub-editenv >/dev/null") == 0);
  std::filesystem::create_directories(file.parent_path());
  const std::string f = "'" + file.string() + "'";
  REQUIRE(std::system(("grub-editenv " + f + " create && grub-editenv " + f +
                       " set saved_entry=0 boot_slot=a upgrade_available=0 bootcount=0 "
                       "bootlimit=3")
                          .c_str()) == 0);
}

// The schema migration a newer firmware brings: one past the product's.
inline std::vector<store::Migration> NewerMigrations() {
  static const std::string up = "CREATE TABLE firmware_v2_feature (id INTEGER PRIMARY KEY);";
  std::vector<store::Migration> m(store::ProductMigrations().begin(),
                                  store::ProductMigrations().end());
  m.push_back({static_cast<int>(m.size()) + 1, "firmware_v2_feature", up,
               "DROP TABLE firmware_v2_feature;"});
  return m;
}

inline int SchemaOf(const std::filesystem::path& db) {
  auto c = Must(store::Connection::Open({.path = db, .create = false}));
  return Must(store::SchemaVersion(c));
}

inline bool HasTable(const std::filesystem::path& db, const std::string& table) {
  auto c = Must(store::Connection::Open({.path = db, .create = false}));
  return Must(c.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = '" + table + "'")) == 1;
}

// What the new slot's firmware does when it first opens the store.
inline void MigrateForward(const std::filesystem::path& db) {
  auto c = Must(store::Connection::Open({.path = db, .create = false}));
  auto known = NewerMigrations();
  Must(store::Migrate(c, known));
}

inline void ReportDaemonUp(const std::filesystem::path& db) {
  // As checkpointd does (daemon.cpp): state, heartbeat and device health in device_state.
  auto c = Must(store::Connection::Open({.path = db, .create = false}));
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  Must(c.Exec(
      "INSERT OR REPLACE INTO device_state(key, value, updated_at_ms) VALUES "
      "('daemon.state', 'running', " +
      std::to_string(now) +
      "), "
      "('daemon.heartbeat_ms', '" +
      std::to_string(now) + "', " + std::to_string(now) +
      "), ('hal.health', '[{\"id\":\"mrz-1\",\"connected\":true}]', " + std::to_string(now) + ")"));
}

}  // namespace checkpoint::update::testing
