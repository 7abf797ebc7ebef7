// exif.h — reads the one EXIF field the photo pipeline needs, Orientation (tag 0x0112 in IFD0),
// from bytes that came from a citizen's phone or a USB stick and so may be truncated or hostile.
// Every offset and count is checked against the buffer before it is used; anything malformed
// reads as "no orientation" (1), never as a crash or a read past the end.
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

}  // namespace samvad::capture
