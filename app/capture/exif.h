// exif.h — reads the two EXIF fields the photo pipeline needs, from bytes that came from a
// citizen's phone or a USB stick and so may be truncated or hostile: Orientation (tag 0x0112 in
// IFD0), and when the photo was taken (DateTimeOriginal, 0x9003, with OffsetTimeOriginal,
// 0x9011, in the EXIF sub-IFD) for a field engineer's work photo (a citizen's photo never keeps
// it: app/ui reads it only for work photos). Every offset and count is checked against the buffer
// before it is used; anything malformed reads as "no orientation" (1) or "no time", never as a
// crash or a read past the end.
// It is not an EXIF library: it keeps nothing else (the pipeline drops all metadata, GPS
// included) and it writes nothing.
#pragma once
#include <cstdint>
#include <span>

namespace samvad::capture {

// EXIF orientation: 1 = as stored, 2..8 = the mirror/rotation the viewer must apply (TIFF 6.0).
// Values outside 1..8 are never returned.
using Orientation = int;

// The orientation in a TIFF structure ("II*\0" or "MM\0*" + IFD0), as found after "Exif\0\0" in
// a JPEG APP1 segment or as the whole payload of a PNG eXIf chunk. 1 when absent or malformed.
Orientation TiffOrientation(std::span<const std::uint8_t> tiff);

// The payload of an APP1 segment (the bytes after its 2-byte length): the orientation if it is
// an "Exif\0\0" segment, else 1. XMP also lives in APP1 and is not EXIF.
Orientation App1Orientation(std::span<const std::uint8_t> app1_payload);

// When the camera says the photo was taken, as it wrote it: its clock, in local time unless it
// also wrote the offset. Invalid (year 0) when absent, malformed, or unknown ("0000:00:00…").
struct ExifTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool has_offset = false;
  int offset_minutes = 0;  // east of UTC: +330 for "+05:30"
  bool valid() const { return year != 0; }
};
ExifTime TiffTakenTime(std::span<const std::uint8_t> tiff);
ExifTime App1TakenTime(std::span<const std::uint8_t> app1_payload);

// Unix seconds: exact when the camera wrote its offset; otherwise the time is read in the
// device's time zone (TZ), where a camera's clock is set. 0 when `t` is invalid.
std::int64_t ExifTimeToUnix(const ExifTime& t);

}  // namespace samvad::capture
