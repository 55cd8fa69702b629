#pragma once
// Private: RAII owners of the OpenSSL objects the documents module uses, and the
// error-queue helpers. Only documents sources include OpenSSL headers.
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace checkpoint::documents::detail {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
// A stack whose elements are owned elsewhere (CMS_get0_signers).
struct ShallowX509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
struct CrlStackDeleter {
  void operator()(STACK_OF(X509_CRL) * s) const noexcept { sk_X509_CRL_pop_free(s, X509_CRL_free); }
};

using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using ShallowX509StackPtr = std::unique_ptr<STACK_OF(X509), ShallowX509StackDeleter>;
using CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), CrlStackDeleter>;

// The reason of the oldest error on this thread's OpenSSL queue (or `fallback`),
// and the queue emptied, so that no stale error leaks into a later call. OpenSSL's
// reason strings describe the failure, never the data.
inline std::string TakeOpenSslError(const std::string& fallback) {
  unsigned long e = ERR_get_error();
  std::string out = fallback;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    if (reason) out += std::string(" (") + reason + ")";
  }
  ERR_clear_error();
  return out;
}

// Parses exactly one DER certificate filling `der`; null otherwise.
inline X509Ptr ParseDerCertificate(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > 1024 * 1024) return nullptr;
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x || p != der.data() + der.size()) return nullptr;
  return x;
}
inline CrlPtr ParseDerCrl(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > 64 * 1024 * 1024) return nullptr;
  const unsigned char* p = der.data();
  CrlPtr c(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!c || p != der.data() + der.size()) return nullptr;
  return c;
}

inline std::vector<std::uint8_t> ToDer(X509* x) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(x, &buf);
  if (n <= 0) return {};
  std::vector<std::uint8_t> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

// "CN=...,O=...,C=..." (RFC 2253, UTF-8).
inline std::string NameString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return "?";
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

inline std::time_t ToTimeT(std::chrono::system_clock::time_point t) {
  return std::chrono::system_clock::to_time_t(t);
}

// Seconds since the epoch of an ASN1_TIME, or nullopt-like INT64_MIN when unusable.
inline std::int64_t EpochSeconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return INT64_MIN;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace checkpoint::documents::detail
