// idle_memory.h — giving memory back to the machine while the kiosk sits at rest.
//
// A ward-office kiosk spends most of its day showing one screen and drawing nothing (the loop
// waits for input: idle CPU ≈ 0). Its memory at rest is mostly code and heap it is not using:
// the biggest single item is LLVM's machine code (Mesa's llvmpipe JITs shaders with it), ~11 MB
// of which no other process on the machine maps. LLVM runs only when a new shader variant is
// compiled, never to draw with the ones already made. So after a few seconds at rest the app
// asks the kernel to reclaim those clean, file-backed pages (MADV_PAGEOUT: they are re-read from
// the library file if LLVM ever runs again) and returns free heap pages (malloc_trim).
// Nothing written is touched: only read-only file mappings, and only LLVM's (and libz3's, which
// only LLVM calls).
#pragma once

namespace samvad::platform {

// Seconds at rest (no frame drawn) before GiveBackIdleMemory is worth calling.
inline constexpr double kIdleGiveBackAfterS = 3.0;

// Returns free heap to the system and asks the kernel to reclaim the pages of LLVM's read-only
// mappings that only this process maps (the kernel leaves pages other processes map). Cheap (a
// few ms), safe to call any time; what it gives back comes back on demand. Returns the bytes of
// mappings it advised (for logs and tests).
long GiveBackIdleMemory();

}  // namespace samvad::platform
