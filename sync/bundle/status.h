// status.h — what every call of the bundle library (sync/bundle) answers: Ok, or which of a
// fixed set of reasons it failed and a sentence for a person. The codes are for the caller's
// logic (the device UI and `samvad-central import` choose what to show); the message names the
// file and says what happened and what to do. A bug in the caller is neither: it asserts.
#pragma once
#include <string>

namespace samvad::bundle {

enum class BundleError {
  kOk,
  // The environment: a file could not be opened, read, written or synced (disk full, stick
  // removed). Nothing about the bundle itself; trying again may work.
  kIo,
  // The writer or a key helper was given something it refuses (a kind with capitals, a photo
  // that is not a regular file, a key file of another kind); nothing was written.
  kInvalidArgument,
  // The reader's verdicts on a bundle, from the outside in (FORMAT.md, "Checks").
  kNotABundle,          // does not start with the magic
  kVersionTooNew,       // made by a newer Samvad
  kNotForThisCentral,   // sealed to another central's key
  kTruncated,           // ends before its final chunk, or is an unfinished ".part"
  kTampered,            // a byte changed: the key block or a chunk fails authentication
  kUnknownDevice,       // the device it names is not one this central knows
  kBadSignature,        // the signature does not match the device it names
  kMalformed,           // authenticated, but not what a Samvad writer makes (bad item, bad end)
};

struct BundleStatus {
  BundleError code = BundleError::kOk;
  std::string message;  // "<path>: <what happened>", empty when Ok
  explicit operator bool() const { return code == BundleError::kOk; }
};

}  // namespace samvad::bundle
