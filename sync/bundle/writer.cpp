// writer.cpp — BundleWriter (bundle.h): items become frames, frames fill 64 KiB chunks of one
// secretstream, chunks go to <path>.part; Finish signs, pads the last chunk, fsyncs, renames and
// fsyncs the folder. Byte layout: FORMAT.md. Memory: one chunk of plaintext, one of ciphertext
// and one read buffer for photos, whatever the bundle holds.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sync/bundle/bundle.h"
#include "sync/bundle/format.h"
#include "sync/bundle/posix.h"

namespace samvad::bundle {

using namespace format;

struct BundleWriter::Impl {
  std::string path, part;
  posix::Fd fd;
  crypto_secretstream_xchacha20poly1305_state stream{};
  crypto_sign_state sign{};
  DeviceSecretKey key;
  std::array<std::uint8_t, kPrefixBytes> prefix{};  // the first chunk's associated data
  std::vector<std::uint8_t> plain = std::vector<std::uint8_t>(kChunkPlainBytes);
  std::vector<std::uint8_t> cipher = std::vector<std::uint8_t>(kChunkBytes);
  std::vector<std::uint8_t> io;  // photo read buffer, made on the first AddFile
  size_t used = 0;               // bytes of `plain` filled
  std::uint64_t chunks = 0;      // chunks written
  BundleStatus broken;           // sticky: the bundle is abandoned
  bool created = false;          // `part` is ours to remove
  bool finished = false;

  ~Impl() {
    sodium_memzero(&stream, sizeof stream);
    sodium_memzero(key.bytes.data(), key.bytes.size());
    sodium_memzero(plain.data(), plain.size());
    if (created && !finished) Remove();
  }

  void Remove() {
    fd.Reset();
    ::unlink(part.c_str());
    created = false;
  }

  BundleStatus Break(BundleStatus st) {
    broken = st;
    Remove();
    return st;
  }

  bool Broken() const { return broken.code != BundleError::kOk; }

  BundleStatus WriteChunk(unsigned char tag) {
    assert(used == kChunkPlainBytes && "every chunk is full; the last is padded");
    const bool first = chunks == 0;
    crypto_secretstream_xchacha20poly1305_push(&stream, cipher.data(), nullptr, plain.data(), used,
                                               first ? prefix.data() : nullptr, first ? prefix.size() : 0, tag);
    if (!posix::WriteAll(fd.get(), cipher.data(), cipher.size()))
      return Break(posix::Failure(BundleError::kIo, "write", part, errno));
    used = 0;
    ++chunks;
    return {};
  }

  // Adds plaintext to the stream. A full chunk is written only when more bytes follow it, so the
  // final chunk is never empty and Finish can always mark the one it holds as final.
  BundleStatus Append(const void* data, size_t n, bool signed_bytes) {
    auto p = static_cast<const std::uint8_t*>(data);
    if (signed_bytes) crypto_sign_update(&sign, p, n);
    while (n > 0) {
      if (used == kChunkPlainBytes)
        if (BundleStatus st = WriteChunk(crypto_secretstream_xchacha20poly1305_TAG_MESSAGE); !st) return st;
      const size_t take = std::min(n, kChunkPlainBytes - used);
      std::memcpy(plain.data() + used, p, take);
      used += take;
      p += take;
      n -= take;
    }
    return {};
  }

  BundleStatus AppendShort(std::string_view s) {
    const auto len = static_cast<std::uint8_t>(s.size());
    if (BundleStatus st = Append(&len, 1, true); !st) return st;
    return Append(s.data(), s.size(), true);
  }

  BundleStatus ItemHead(std::uint8_t type, std::string_view kind, std::string_view id) {
    if (BundleStatus st = Append(&type, 1, true); !st) return st;
    if (BundleStatus st = AppendShort(kind); !st) return st;
    return AppendShort(id);
  }
};

namespace {

BundleStatus Refuse(std::string_view path, const std::string& what) {
  return {BundleError::kInvalidArgument, std::string(path) + ": " + what};
}

}  // namespace

BundleWriter::BundleWriter() = default;
BundleWriter::~BundleWriter() = default;

BundleStatus BundleWriter::Open(const std::string& path, const CentralPublicKey& central,
                                const DeviceSecretKey& device_key, std::string_view device_id,
                                std::int64_t created_at) {
  assert(!impl_ && "BundleWriter::Open twice");
  if (sodium_init() < 0) return {BundleError::kIo, path + ": libsodium could not initialise"};
  if (path.empty() || path.ends_with(".part"))
    return Refuse(path, "a bundle needs a name, and not one ending in .part (readers refuse those as unfinished)");
  if (std::string why = DeviceIdProblem(device_id); !why.empty()) return Refuse(path, why);

  auto w = std::make_unique<Impl>();
  w->path = path;
  w->part = path + ".part";
  w->key = device_key;

  std::uint8_t* const header = w->prefix.data();
  std::memcpy(header, kMagic.data(), kMagic.size());
  PutLe(header + 8, kFormatVersion, 2);
  const KeyId key_id = KeyIdOf(central);
  std::memcpy(header + 10, key_id.data(), key_id.size());

  std::array<std::uint8_t, kSealedPlainBytes> sealed_plain{};
  std::uint8_t* const stream_key = sealed_plain.data();
  std::uint8_t* const info = stream_key + kStreamKeyBytes;
  crypto_secretstream_xchacha20poly1305_keygen(stream_key);
  PutLe(info, static_cast<std::uint64_t>(created_at), 8);
  info[8] = static_cast<std::uint8_t>(device_id.size());
  std::memcpy(info + 9, device_id.data(), device_id.size());

  std::uint8_t* const sealed = header + kHeaderBytes;
  std::uint8_t* const stream_header = sealed + kSealedBytes;
  const bool sealed_ok = crypto_box_seal(sealed, sealed_plain.data(), sealed_plain.size(), central.bytes.data()) == 0;
  crypto_secretstream_xchacha20poly1305_init_push(&w->stream, stream_header, stream_key);
  sodium_memzero(stream_key, kStreamKeyBytes);
  if (!sealed_ok) return Refuse(path, "central's public key is not a usable X25519 key");

  // Ed25519ph (crypto_sign_init/update/final_create): the signed message is streamed, never held.
  crypto_sign_init(&w->sign);
  crypto_sign_update(&w->sign, header, kHeaderBytes);
  crypto_sign_update(&w->sign, info, kInfoBytes);

  // A stale .part (an export that died) is ours to replace. Removing it and creating afresh with
  // O_EXCL means a symlink planted under that name on a stick is never followed and truncated.
  ::unlink(w->part.c_str());
  w->fd = posix::Fd(::open(w->part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!w->fd.ok()) return posix::Failure(BundleError::kIo, "create", w->part, errno);
  w->created = true;
  if (!posix::WriteAll(w->fd.get(), w->prefix.data(), w->prefix.size()))
    return w->Break(posix::Failure(BundleError::kIo, "write", w->part, errno));
  impl_ = std::move(w);
  return {};
}

BundleStatus BundleWriter::AddRecord(std::string_view kind, std::string_view id, std::string_view payload) {
  assert(impl_ && !impl_->finished && "BundleWriter::AddRecord before Open or after Finish");
  Impl& w = *impl_;
  if (w.Broken()) return w.broken;
  for (const std::string& why : {KindProblem(kind), IdProblem(id), PayloadProblem(payload)})
    if (!why.empty()) return Refuse(w.path, why);
  if (BundleStatus st = w.ItemHead(kFrameRecord, kind, id); !st) return st;
  std::array<std::uint8_t, 4> len{};
  PutLe(len.data(), payload.size(), 4);
  if (BundleStatus st = w.Append(len.data(), len.size(), true); !st) return st;
  return w.Append(payload.data(), payload.size(), true);
}

BundleStatus BundleWriter::AddFile(std::string_view kind, std::string_view id, std::string_view name,
                                   const std::string& source_path) {
  assert(impl_ && !impl_->finished && "BundleWriter::AddFile before Open or after Finish");
  Impl& w = *impl_;
  if (w.Broken()) return w.broken;
  for (const std::string& why : {KindProblem(kind), IdProblem(id), NameProblem(name)})
    if (!why.empty()) return Refuse(w.path, why);
  // O_NONBLOCK: a pipe under a photo's name must be refused below, not wait for a writer.
  const posix::Fd src(::open(source_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!src.ok()) return posix::Failure(BundleError::kIo, "open", source_path, errno);
  struct stat sb {};
  if (::fstat(src.get(), &sb) != 0) return posix::Failure(BundleError::kIo, "stat", source_path, errno);
  if (!S_ISREG(sb.st_mode)) return Refuse(source_path, "is not a regular file");
  const auto size = static_cast<std::uint64_t>(sb.st_size);
  if (size > kMaxFileBytes) return Refuse(source_path, "is larger than a bundle's 64 MiB limit for one file");

  // From here bytes are in the stream and signature: a failure abandons the bundle.
  if (BundleStatus st = w.ItemHead(kFrameFile, kind, id); !st) return st;
  if (BundleStatus st = w.AppendShort(name); !st) return st;
  std::array<std::uint8_t, 8> len{};
  PutLe(len.data(), size, 8);
  if (BundleStatus st = w.Append(len.data(), len.size(), true); !st) return st;
  if (w.io.empty()) w.io.resize(kChunkBytes);
  std::uint64_t left = size;
  while (left > 0) {
    const ssize_t got = posix::ReadFull(src.get(), w.io.data(), static_cast<size_t>(std::min<std::uint64_t>(left, w.io.size())));
    if (got < 0) return w.Break(posix::Failure(BundleError::kIo, "read", source_path, errno));
    if (got == 0) return w.Break({BundleError::kIo, source_path + ": shrank while being read; export again"});
    if (BundleStatus st = w.Append(w.io.data(), static_cast<size_t>(got), true); !st) return st;
    left -= static_cast<std::uint64_t>(got);
  }
  std::uint8_t more = 0;
  const ssize_t extra = posix::ReadFull(src.get(), &more, 1);
  if (extra != 0) return w.Break({BundleError::kIo, source_path + ": grew while being read; export again"});
  return {};
}

BundleStatus BundleWriter::Finish() {
  assert(impl_ && !impl_->finished && "BundleWriter::Finish before Open or twice");
  Impl& w = *impl_;
  if (w.Broken()) return w.broken;
  // The end frame's type byte is signed, the signature after it is not (it cannot sign itself).
  if (BundleStatus st = w.Append(&kFrameEnd, 1, true); !st) return st;
  std::array<std::uint8_t, kSignatureBytes> sig{};
  crypto_sign_final_create(&w.sign, sig.data(), nullptr, w.key.bytes.data());
  if (BundleStatus st = w.Append(sig.data(), sig.size(), false); !st) return st;
  std::fill(w.plain.begin() + static_cast<std::ptrdiff_t>(w.used), w.plain.end(), std::uint8_t{0});
  w.used = kChunkPlainBytes;
  if (BundleStatus st = w.WriteChunk(crypto_secretstream_xchacha20poly1305_TAG_FINAL); !st) return st;

  // fsync before rename: a stick pulled out after the rename must not show a complete name on a
  // file whose last chunks never reached it.
  if (::fsync(w.fd.get()) != 0) return w.Break(posix::Failure(BundleError::kIo, "fsync", w.part, errno));
  if (!w.fd.Close()) return w.Break(posix::Failure(BundleError::kIo, "close", w.part, errno));
  if (::rename(w.part.c_str(), w.path.c_str()) != 0)
    return w.Break(posix::Failure(BundleError::kIo, "rename to", w.path, errno));
  w.finished = true;
  if (!posix::SyncParentDir(w.path)) return posix::Failure(BundleError::kIo, "fsync the folder of", w.path, errno);
  return {};
}

}  // namespace samvad::bundle
