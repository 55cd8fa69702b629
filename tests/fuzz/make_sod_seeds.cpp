// Writes the seed corpus of the `sod` fuzz target (tests/fuzz/corpus/sod/) from the
// test PKI: small valid EF.SODs (ECDSA, RSA-PSS, SHA-1 with LDS v1), DG1s and a
// master list. Run once by hand (docs/fuzzing.md); the output is committed.
#include <cstdio>
#include <fstream>
#include <string>

#include "support/test_pki.hpp"

namespace pki = checkpoint::testing::pki;

namespace {
void Write(const std::string& dir, const std::string& name, const pki::Bytes& b) {
  std::ofstream(dir + "/" + name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_sod_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto& w = pki::TheWorld();
  // Small data groups keep the seeds small; only the hashes enter the SOD.
  const std::map<int, pki::Bytes> dgs = {{1, w.dg1}, {2, pki::Tlv(0x75, {1, 2, 3})}};
  Write(dir, "valid_ecdsa.bin", pki::MakeSod(dgs, w.ds, w.ds_key));
  pki::SignSpec pss;
  pss.pss = true;
  Write(dir, "valid_rsa_pss.bin", pki::MakeSod(dgs, w.ds_rsa, w.ds_rsa_key, pss));
  pki::SignSpec v1;
  v1.md = EVP_sha1();
  Write(dir, "sha1_lds_v1.bin",
        pki::WrapSod(pki::SignCms(pki::LdsSecurityObject(dgs, EVP_sha1(), 1), w.ds, w.ds_key, v1)));
  Write(dir, "lds_security_object.bin", pki::LdsSecurityObject(dgs));
  Write(dir, "dg1_td3.bin", w.dg1);
  Write(dir, "dg1_td1.bin",
        pki::Dg1("I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6"
                 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"));
  Write(dir, "masterlist.bin", pki::MakeMasterList({w.csca}, w.mls, w.mls_key));
  return 0;
}
