// reader.cpp — OpenBundle and BundleReader (bundle.h): FORMAT.md's checks in their order, a
// first pass over the whole stream that verifies every chunk, item and the signature and keeps
// nothing, and a second pass that hands out items. Every length read from the file is bounded
// before anything is allocated for it; memory is two 64 KiB chunk buffers and one record.
//
// [SECTION] Failures      one place that words them
// [SECTION] PlainStream   the decrypted stream as bytes, a chunk at a time
// [SECTION] Items         one item's head (and a record's payload), shared by both passes
// [SECTION] OpenBundle    the prefix checks, then the first pass
// [SECTION] BundleReader  the second pass
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "sync/bundle/bundle.h"
#include "sync/bundle/format.h"
#include "sync/bundle/posix.h"

namespace samvad::bundle {

using namespace format;

namespace {

// [SECTION] Failures ----------------------------------------------------------------------------

BundleStatus Fail(BundleError code, const std::string& path, const std::string& what) {
  return {code, path + ": " + what};
}

std::string ChunkName(std::uint64_t index) {  // 0-based index → how a person counts
  return "chunk " + std::to_string(index + 1) + " of its encrypted stream (at byte " +
         std::to_string(kPrefixBytes + index * kChunkBytes) + ")";
}

// [SECTION] PlainStream -------------------------------------------------------------------------

// What the first pass proved and the second needs to decrypt the same stream again.
struct StreamSecrets {
  std::array<std::uint8_t, kStreamKeyBytes> key{};
  std::array<std::uint8_t, kPrefixBytes> prefix{};  // header, sealed block, stream header
  StreamSecrets() = default;
  StreamSecrets(const StreamSecrets&) = delete;
  StreamSecrets& operator=(const StreamSecrets&) = delete;
  ~StreamSecrets() { sodium_memzero(key.data(), key.size()); }
};

class PlainStream {
 public:
  PlainStream(int fd, const std::string& path, const StreamSecrets& secrets) : fd_(fd), path_(path), secrets_(secrets) {
    const std::uint8_t* stream_header = secrets.prefix.data() + kHeaderBytes + kSealedBytes;
    crypto_secretstream_xchacha20poly1305_init_pull(&state_, stream_header, secrets.key.data());
  }
  ~PlainStream() { sodium_memzero(&state_, sizeof state_); }
  PlainStream(const PlainStream&) = delete;
  PlainStream& operator=(const PlainStream&) = delete;

  // Bytes read from here on also go into `st` (the first pass's Ed25519ph hash); nullptr stops.
  void SignInto(crypto_sign_state* st) { sign_ = st; }

  // Exactly `n` bytes into `dst`, or past them when `dst` is null.
  BundleStatus Read(std::uint8_t* dst, std::uint64_t n) {
    while (n > 0) {
      if (pos_ == len_)
        if (BundleStatus st = NextChunk(); !st) return st;
      const size_t take = static_cast<size_t>(std::min<std::uint64_t>(n, len_ - pos_));
      if (sign_) crypto_sign_update(sign_, plain_.data() + pos_, take);
      if (dst) {
        std::memcpy(dst, plain_.data() + pos_, take);
        dst += take;
      }
      pos_ += take;
      n -= take;
    }
    return {};
  }

  // After the signature: the rest of its chunk is zero padding, that chunk is the final one, and
  // the file ends with it.
  BundleStatus ExpectEnd() {
    if (std::any_of(plain_.begin() + static_cast<std::ptrdiff_t>(pos_), plain_.begin() + static_cast<std::ptrdiff_t>(len_),
                    [](std::uint8_t b) { return b != 0; }))
      return Fail(BundleError::kMalformed, path_, "malformed: bytes follow its signature");
    if (!final_) return Fail(BundleError::kMalformed, path_, "malformed: its signature is not in its final chunk");
    struct stat sb {};
    if (::fstat(fd_, &sb) != 0) return posix::Failure(BundleError::kIo, "stat", path_, errno);
    const std::uint64_t end = kPrefixBytes + chunks_ * kChunkBytes;
    if (static_cast<std::uint64_t>(sb.st_size) > end)
      return Fail(BundleError::kTampered, path_,
                  "tampered or damaged: " + std::to_string(static_cast<std::uint64_t>(sb.st_size) - end) +
                      " bytes follow its final chunk");
    return {};
  }

 private:
  BundleStatus NextChunk() {
    if (final_) return Fail(BundleError::kMalformed, path_, "malformed: its encrypted stream ends inside an item");
    // No real file reaches this; it keeps the offset arithmetic below from overflowing off_t.
    if (chunks_ >= (std::numeric_limits<off_t>::max() - kPrefixBytes) / kChunkBytes - 1)
      return Fail(BundleError::kMalformed, path_, "malformed: its encrypted stream never ends");
    const auto at = static_cast<off_t>(kPrefixBytes + chunks_ * kChunkBytes);
    const ssize_t got = posix::PreadFull(fd_, cipher_.data(), cipher_.size(), at);
    if (got < 0) return posix::Failure(BundleError::kIo, "read", path_, errno);
    if (got == 0)
      return Fail(BundleError::kTruncated, path_,
                  "truncated: it ends after " + std::to_string(chunks_) + (chunks_ == 1 ? " chunk" : " chunks") +
                      " of its encrypted stream, without the final one; copy it again, or export again");
    if (static_cast<size_t>(got) < kChunkBytes)
      return Fail(BundleError::kTruncated, path_,
                  "truncated: " + ChunkName(chunks_) + " has " + std::to_string(got) + " of its " +
                      std::to_string(kChunkBytes) + " bytes; copy it again, or export again");
    const bool first = chunks_ == 0;
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state_, plain_.data(), &plain_len, &tag, cipher_.data(),
                                                   cipher_.size(), first ? secrets_.prefix.data() : nullptr,
                                                   first ? secrets_.prefix.size() : 0) != 0)
      return Fail(BundleError::kTampered, path_,
                  "tampered or damaged: " + ChunkName(chunks_) + " fails authentication" +
                      (first ? " (so may its header, which that chunk also authenticates)" : ""));
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
      final_ = true;
    else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
      return Fail(BundleError::kMalformed, path_, "malformed: " + ChunkName(chunks_) + " has an unknown tag");
    ++chunks_;
    pos_ = 0;
    len_ = static_cast<size_t>(plain_len);
    return {};
  }

  int fd_;
  const std::string& path_;
  const StreamSecrets& secrets_;
  crypto_secretstream_xchacha20poly1305_state state_{};
  crypto_sign_state* sign_ = nullptr;
  std::vector<std::uint8_t> cipher_ = std::vector<std::uint8_t>(kChunkBytes);
  std::vector<std::uint8_t> plain_ = std::vector<std::uint8_t>(kChunkPlainBytes);
  size_t pos_ = 0, len_ = 0;  // read position and size of the chunk in plain_
  std::uint64_t chunks_ = 0;  // chunks decrypted
  bool final_ = false;
};

// [SECTION] Items -------------------------------------------------------------------------------

// One item's head, and a record's payload; `*end` at the end frame (its type byte read, the
// signature not). `index` (0-based) only names the item in messages.
BundleStatus ReadItem(PlainStream& s, const std::string& path, size_t index, BundleItem* item, bool* end) {
  std::uint8_t type = 0;
  if (BundleStatus st = s.Read(&type, 1); !st) return st;
  *end = type == kFrameEnd;
  if (*end) return {};
  const auto malformed = [&](const std::string& why) {
    return Fail(BundleError::kMalformed, path, "malformed: item " + std::to_string(index + 1) + ": " + why);
  };
  if (type != kFrameRecord && type != kFrameFile) return malformed("unknown item type 0x" + Hex(&type, 1));
  // A one-byte length: at most 255 bytes allocated whatever the file says, checked after.
  const auto read_short = [&](std::string* out) {
    std::uint8_t len = 0;
    BundleStatus st = s.Read(&len, 1);
    out->resize(len);
    if (st) st = s.Read(reinterpret_cast<std::uint8_t*>(out->data()), len);
    return st;
  };
  item->type = type == kFrameRecord ? ItemType::kRecord : ItemType::kFile;
  item->payload.clear();
  item->name.clear();
  if (BundleStatus st = read_short(&item->kind); !st) return st;
  if (std::string why = KindProblem(item->kind); !why.empty()) return malformed(why);
  if (BundleStatus st = read_short(&item->id); !st) return st;
  if (std::string why = IdProblem(item->id); !why.empty()) return malformed(why);

  if (item->type == ItemType::kRecord) {
    std::array<std::uint8_t, 4> len{};
    if (BundleStatus st = s.Read(len.data(), len.size()); !st) return st;
    item->size = GetLe(len.data(), len.size());
    if (item->size > kMaxRecordBytes)
      return malformed("a record of " + std::to_string(item->size) + " bytes; at most " + std::to_string(kMaxRecordBytes));
    item->payload.resize(static_cast<size_t>(item->size));
    if (BundleStatus st = s.Read(reinterpret_cast<std::uint8_t*>(item->payload.data()), item->size); !st) return st;
    if (std::string why = PayloadProblem(item->payload); !why.empty()) return malformed(why);
    return {};
  }
  if (BundleStatus st = read_short(&item->name); !st) return st;
  if (std::string why = NameProblem(item->name); !why.empty()) return malformed(why);
  std::array<std::uint8_t, 8> len{};
  if (BundleStatus st = s.Read(len.data(), len.size()); !st) return st;
  item->size = GetLe(len.data(), len.size());
  if (item->size > kMaxFileBytes)
    return malformed("a file of " + std::to_string(item->size) + " bytes; at most " + std::to_string(kMaxFileBytes));
  return {};
}

// [SECTION] OpenBundle --------------------------------------------------------------------------

// Magic, version and addressee, from as many bytes of the prefix as the file has.
BundleStatus CheckHeader(const std::string& path, const std::uint8_t* p, size_t have, const CentralPublicKey& pk) {
  const auto truncated = [&] {
    return Fail(BundleError::kTruncated, path,
                have == 0 ? "truncated: the file is empty"
                          : "truncated: " + std::to_string(have) + " bytes, less than its " +
                                std::to_string(kPrefixBytes) + "-byte header");
  };
  if (std::memcmp(p, kMagic.data(), std::min(have, kMagic.size())) != 0)
    return Fail(BundleError::kNotABundle, path, "not a Samvad bundle: it does not start with SAMVADB1");
  if (have < kMagic.size() + 2) return truncated();
  const auto version = GetLe(p + kMagic.size(), 2);
  if (version == 0)
    return Fail(BundleError::kNotABundle, path, "not a Samvad bundle: it says bundle format 0, which never existed");
  if (version > kFormatVersion)
    return Fail(BundleError::kVersionTooNew, path,
                "made by a newer Samvad: bundle format " + std::to_string(version) + ", and this program reads format " +
                    std::to_string(kFormatVersion) + "; update samvad-central");
  if (have < kHeaderBytes) return truncated();
  const KeyId ours = KeyIdOf(pk);
  if (std::memcmp(p + 10, ours.data(), ours.size()) != 0)
    return Fail(BundleError::kNotForThisCentral, path,
                "addressed to another central (key id " + Hex(p + 10, 8) + "…; this central's is " +
                    Hex(ours.data(), 8) + "…); import it at the central it was made for");
  if (have < kPrefixBytes) return truncated();
  return {};
}

// The first pass: every chunk, every item and the signature, keeping nothing.
BundleStatus VerifyAll(int fd, const std::string& path, const StreamSecrets& secrets, const std::uint8_t* info,
                       const std::string& device_id, const DevicePublicKey& device_pk, size_t* items) {
  crypto_sign_state sign;
  crypto_sign_init(&sign);
  crypto_sign_update(&sign, secrets.prefix.data(), kHeaderBytes);
  crypto_sign_update(&sign, info, kInfoBytes);
  PlainStream s(fd, path, secrets);
  s.SignInto(&sign);
  BundleItem item;
  size_t n = 0;
  for (bool end = false;; ++n) {
    if (BundleStatus st = ReadItem(s, path, n, &item, &end); !st) return st;
    if (end) break;
    if (item.type == ItemType::kFile)
      if (BundleStatus st = s.Read(nullptr, item.size); !st) return st;
  }
  s.SignInto(nullptr);
  std::array<std::uint8_t, kSignatureBytes> sig{};
  if (BundleStatus st = s.Read(sig.data(), sig.size()); !st) return st;
  if (BundleStatus st = s.ExpectEnd(); !st) return st;
  if (crypto_sign_final_verify(&sign, sig.data(), device_pk.bytes.data()) != 0)
    return Fail(BundleError::kBadSignature, path,
                "says it comes from device " + device_id +
                    ", but is not signed with that device's key: forged, or made by another device under its name");
  *items = n;
  return {};
}

}  // namespace

struct BundleReader::Impl {
  std::string path;
  posix::Fd fd;
  StreamSecrets secrets;
  std::string device_id;
  std::int64_t created_at = 0;
  size_t items = 0;
  // The second pass, begun by the first Next.
  std::optional<PlainStream> stream;
  std::uint64_t file_left = 0;  // bytes of the current file not yet read
  size_t index = 0;
  bool done = false;
  BundleStatus failure;  // sticky
};

BundleStatus OpenBundle(const std::string& path, const CentralPublicKey& central_pk, const CentralSecretKey& central_sk,
                        const DeviceKeyLookup& device_key_lookup, std::unique_ptr<BundleReader>* out) {
  assert(out && device_key_lookup && "OpenBundle needs somewhere to put the reader and a key lookup");
  out->reset();
  if (sodium_init() < 0) return Fail(BundleError::kIo, path, "libsodium could not initialise");
  if (!KeysMatch(central_pk, central_sk))
    return Fail(BundleError::kInvalidArgument, path,
                "cannot be read: central's public and secret keys are not one pair; check its key files");
  if (path.ends_with(".part"))
    return Fail(BundleError::kTruncated, path,
                "an unfinished bundle: its export was interrupted (a finished one never ends in .part); export again");

  auto r = std::make_unique<BundleReader::Impl>();
  r->path = path;
  // O_NONBLOCK: a pipe or device given by mistake must be refused below, not wait for a writer.
  r->fd = posix::Fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!r->fd.ok()) return posix::Failure(BundleError::kIo, "open", path, errno);
  struct stat sb {};
  if (::fstat(r->fd.get(), &sb) != 0) return posix::Failure(BundleError::kIo, "stat", path, errno);
  // Two passes need a file that can be read twice: not a pipe, not a folder.
  if (!S_ISREG(sb.st_mode)) return Fail(BundleError::kNotABundle, path, "not a Samvad bundle: not a regular file");

  std::uint8_t* const prefix = r->secrets.prefix.data();
  const ssize_t got = posix::PreadFull(r->fd.get(), prefix, kPrefixBytes, 0);
  if (got < 0) return posix::Failure(BundleError::kIo, "read", path, errno);
  if (BundleStatus st = CheckHeader(path, prefix, static_cast<size_t>(got), central_pk); !st) return st;

  std::array<std::uint8_t, kSealedPlainBytes> sealed_plain{};
  if (crypto_box_seal_open(sealed_plain.data(), prefix + kHeaderBytes, kSealedBytes, central_pk.bytes.data(),
                           central_sk.bytes.data()) != 0)
    return Fail(BundleError::kTampered, path,
                "tampered or damaged: its key block does not open with this central's key, though it is addressed here");
  std::memcpy(r->secrets.key.data(), sealed_plain.data(), kStreamKeyBytes);
  std::array<std::uint8_t, kInfoBytes> info{};
  std::memcpy(info.data(), sealed_plain.data() + kStreamKeyBytes, kInfoBytes);
  sodium_memzero(sealed_plain.data(), sealed_plain.size());

  r->created_at = static_cast<std::int64_t>(GetLe(info.data(), 8));
  const size_t id_len = std::min<size_t>(info[8], kMaxDeviceIdBytes);
  r->device_id.assign(reinterpret_cast<const char*>(info.data() + 9), id_len);
  const std::string why = info[8] > kMaxDeviceIdBytes
                              ? "device id is " + std::to_string(info[8]) + " bytes long; at most 63"
                              : DeviceIdProblem(r->device_id);
  if (!why.empty()) return Fail(BundleError::kMalformed, path, "malformed: its key block's " + why);
  if (std::any_of(info.begin() + 9 + static_cast<std::ptrdiff_t>(id_len), info.end(), [](std::uint8_t b) { return b != 0; }))
    return Fail(BundleError::kMalformed, path, "malformed: its key block's padding is not zero");

  const std::optional<DevicePublicKey> device_pk = device_key_lookup(r->device_id);
  if (!device_pk)
    return Fail(BundleError::kUnknownDevice, path,
                "made by device " + r->device_id + ", which this central does not know (never enrolled, or revoked)");
  if (BundleStatus st = VerifyAll(r->fd.get(), path, r->secrets, info.data(), r->device_id, *device_pk, &r->items); !st)
    return st;
  out->reset(new BundleReader(std::move(r)));
  return {};
}

// [SECTION] BundleReader ------------------------------------------------------------------------

BundleReader::BundleReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BundleReader::~BundleReader() = default;

const std::string& BundleReader::device_id() const { return impl_->device_id; }
std::int64_t BundleReader::created_at() const { return impl_->created_at; }
size_t BundleReader::item_count() const { return impl_->items; }

namespace {

// The second pass failing means the file changed or became unreadable after the first passed.
BundleStatus DuringImport(BundleStatus st) {
  st.message += " (after it was verified: keep nothing imported from it)";
  return st;
}

}  // namespace

bool BundleReader::Next(BundleItem* item, BundleStatus* status) {
  Impl& r = *impl_;
  *status = r.failure;
  if (r.failure.code != BundleError::kOk || r.done) return false;
  if (!r.stream) r.stream.emplace(r.fd.get(), r.path, r.secrets);
  BundleStatus st = r.stream->Read(nullptr, r.file_left);
  r.file_left = 0;
  bool end = false;
  if (st) st = ReadItem(*r.stream, r.path, r.index, item, &end);
  if (!st) {
    r.failure = DuringImport(st);
    *status = r.failure;
    return false;
  }
  if (end) {
    r.done = true;
    return false;
  }
  r.file_left = item->type == ItemType::kFile ? item->size : 0;
  ++r.index;
  return true;
}

BundleStatus BundleReader::ReadFile(std::span<std::uint8_t> buf, size_t* got) {
  Impl& r = *impl_;
  *got = 0;
  if (r.failure.code != BundleError::kOk) return r.failure;
  const auto n = static_cast<size_t>(std::min<std::uint64_t>(buf.size(), r.file_left));
  if (n == 0) return {};
  if (BundleStatus st = r.stream->Read(buf.data(), n); !st) {
    r.failure = DuringImport(st);
    return r.failure;
  }
  r.file_left -= n;
  *got = n;
  return {};
}

}  // namespace samvad::bundle
