// widgets.h — the touch widgets every screen is made of: shaped labels and paragraphs, big
// buttons (tap, long-press, double-tap guard on submit), drag-to-scroll regions with fling,
// the text field and the on-screen keyboard. They draw only shaped text (text_draw.h).
#pragma once
#include <string_view>

#include "app/ui/app.h"

namespace samvad::ui {

enum class Press { None, Tap, LongPress };

enum class ButtonStyle { Primary, Secondary, Key, KeySpecial };

struct ButtonOpts {
  ButtonStyle style = ButtonStyle::Secondary;
  bool enabled = true;
  bool submit = false;   // a second tap within kSubmitGuard seconds is ignored
  bool selected = false; // drawn as chosen (the current language, the shift key held)
  float text_px = 0;     // 0: the theme's body size
  text::Lang lang = text::Lang::En;  // the label's language (a language name is in its own)
  bool use_app_lang = true;          // false: `lang` above
};

inline constexpr double kLongPress = 0.5;    // seconds held without moving
inline constexpr double kSubmitGuard = 0.8;  // seconds in which a repeated submit is ignored

// A label in the app's language at the cursor; returns its size.
ImVec2 Label(AppState& app, std::string_view text, float px, ImU32 col);
ImVec2 LabelIn(AppState& app, std::string_view text, text::Lang lang, float px, ImU32 col);
// A Label the script driver can find by `name` (expect-widget, await-widget): what a screen
// states, rather than a control.
ImVec2 NamedLabel(AppState& app, const std::string& name, std::string_view text, float px, ImU32 col);
// A wrapped paragraph of the given width at the cursor.
void Paragraph(AppState& app, std::string_view text, float px, float width, ImU32 col);

// A button of `size` at the cursor. `id` is stable across languages ("home.file") and is the
// name the script driver taps.
Press Button(AppState& app, std::string_view id, std::string_view label, ImVec2 size,
             const ButtonOpts& opts = {});

// A vertical region that scrolls by dragging, with fling. Buttons inside do not fire when the
// finger moved (the press became a drag).
void BeginTouchScroll(AppState& app, std::string_view id, ImVec2 size);
void EndTouchScroll(AppState& app);

// A multi-line text field showing `s` wrapped, with caret and selection by grapheme. Tapping
// places the caret; dragging selects. Returns true on the frame it was tapped (to focus it).
bool TextField(AppState& app, std::string_view id, text::EditState& s, ImVec2 size,
               std::string_view placeholder, bool focused = true);

// The on-screen keyboard for `layout`, typing into `target`.
void Keyboard(AppState& app, std::string_view id, KeyboardState& kb, text::EditState& target,
              text::LayoutId layout, ImVec2 size);

}  // namespace samvad::ui

namespace samvad::ui {

// The top of a flow screen: a Back button and the title. Returns true when Back was tapped.
bool ScreenHeader(AppState& app, std::string_view back_id, std::string_view title);
// A primary button at the bottom right of the screen ("Next", "Submit").
Press BottomAction(AppState& app, std::string_view id, std::string_view label, bool enabled,
                   bool submit = false);
// A primary button beside what was drawn last (a field), for screens whose bottom is a keyboard.
Press InlineAction(AppState& app, std::string_view id, std::string_view label, ImVec2 size,
                   bool enabled = true, bool submit = false);
// The on-screen keyboard for a language's script.
text::LayoutId KeyboardFor(text::Lang lang);
// A notice line (an error in the accent colour) when app.message_key is set.
void Notice(AppState& app);
// A category pictogram drawn with primitives inside `r`.
void CategoryIcon(ImDrawList* dl, const ImRect& r, std::string_view icon, ImU32 col);
// A QR code of `text` (libqrencode), black modules on white with a quiet zone, `size` px square.
bool QrCode(AppState& app, std::string_view text, float size);

}  // namespace samvad::ui
