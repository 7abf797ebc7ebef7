// photos_screen.cpp — up to three photos, from the kiosk's camera when it has one or from a
// USB stick: previews with a remove button, a progress line while a photo is prepared (off
// the UI thread), and a clear message in the citizen's language when a file is not usable —
// the rest of the complaint is untouched by a bad photo.
#include <algorithm>
#include <string>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

bool CameraRow(AppState& app, const char* id, bool busy, float width) {
  const Theme& t = app.theme;
  if (!app.kiosk || !app.kiosk->has_camera()) return false;
  ButtonOpts o;
  o.style = ButtonStyle::Primary;
  o.enabled = !busy;
  const bool tapped = Button(app, id, app.T("photos.camera"), ImVec2(width, t.min_target()), o) == Press::Tap;
  if (tapped) app.kiosk->OpenCamera();
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  return tapped;
}

void Viewfinder(AppState& app) {
  const Theme& t = app.theme;
  Kiosk& k = *app.kiosk;
  // The picture as large as the screen allows, its shape kept; the buttons in a column beside it
  // (where a camera's shutter is), the shutter first and largest.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float col_w = t.em * 11;
  const ImVec2 room(std::max(t.min_target(), avail.x - col_w - t.pad()), std::max(t.min_target(), avail.y - t.pad()));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  int pw = 0, ph = 0;
  const unsigned int tex = k.camera_preview(&pw, &ph);
  const float aspect = tex && pw > 0 && ph > 0 ? static_cast<float>(pw) / static_cast<float>(ph) : 4.0f / 3.0f;
  const float shown_h = std::min(room.y, room.x / aspect), shown_w = shown_h * aspect;
  const ImVec2 end(at.x + shown_w, at.y + shown_h);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (tex && pw > 0 && ph > 0) dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex)), at, end);
  else dl->AddRectFilled(at, end, IM_COL32(40, 40, 40, 255));
  app.RegisterWidget(std::string("camera.view:") + (k.camera_live() ? "live" : "starting"), ImRect(at, end));
  // What it is doing, across the picture's top edge.
  const char* doing = k.taking_photo() ? "photos.taking" : !k.camera_live() ? "photos.camera_starting" : nullptr;
  if (doing) {
    const float lh = app.R().LineHeight(t.body_px());
    dl->AddRectFilled(at, ImVec2(end.x, at.y + lh + t.pad()), IM_COL32(255, 255, 255, 220));
    app.R().Draw(dl, ImVec2(at.x + t.pad() * 0.5f, at.y + t.pad() * 0.5f), app.T(doing), app.lang, t.body_px(), t.primary);
  }
  const ImVec2 cursor = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(cursor.x + shown_w + t.pad(), cursor.y));
  ImGui::BeginGroup();
  ButtonOpts shoot;
  shoot.style = ButtonStyle::Primary;
  shoot.enabled = k.camera_live() && !k.taking_photo();
  if (Button(app, "camera.shoot", app.T("photos.shoot"), ImVec2(col_w, t.min_target() * 2), shoot) == Press::Tap) k.Shoot();
  ImGui::Dummy(ImVec2(0, t.pad()));
  if (Button(app, "camera.close", app.T("photos.camera_close"), ImVec2(col_w, t.min_target())) == Press::Tap) k.CloseCamera();
  ImGui::EndGroup();
}

void PhotosScreen(AppState& app) {
  const Theme& t = app.theme;
  Draft& d = app.draft;
  PhotosState& ps = app.photos;
  if (app.kiosk && app.kiosk->camera_open()) {  // the whole screen, until a shot or Close
    Viewfinder(app);
    return;
  }
  if (ScreenHeader(app, "photos.back", app.T("photos.title"))) { ps.listed = false; app.Go(ScreenId::Describe); }
  const float w = ImGui::GetContentRegionAvail().x;
  std::string count = app.T("photos.count");
  if (size_t at = count.find("{n}"); at != std::string::npos) count.replace(at, 3, std::to_string(d.photos.size()));
  if (size_t at = count.find("{max}"); at != std::string::npos) count.replace(at, 5, std::to_string(Draft::kMaxPhotos));
  Label(app, count, t.body_px(), t.text_muted);

  // The photos so far, each with its remove button.
  const float th = t.em * 6;
  int remove = -1;
  for (size_t i = 0; i < d.photos.size(); ++i) {
    const DraftPhoto& ph = d.photos[i];
    const float tw = ph.texture ? th * static_cast<float>(ph.tex_w) / static_cast<float>(std::max(1, ph.tex_h)) : th;
    ImGui::BeginGroup();
    if (ph.texture) ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(ph.texture)), ImVec2(tw, th));
    else ImGui::Dummy(ImVec2(tw, th));
    if (Button(app, "photos.remove" + std::to_string(i), app.T("photos.remove"), ImVec2(std::max(tw, t.min_target()), t.min_target())) == Press::Tap)
      remove = static_cast<int>(i);
    ImGui::EndGroup();
    ImGui::SameLine();
  }
  ImGui::NewLine();
  if (remove >= 0) {
    DraftPhoto& ph = d.photos[static_cast<size_t>(remove)];
    std::fill(ph.jpeg.begin(), ph.jpeg.end(), 0);
    std::fill(ph.thumb.begin(), ph.thumb.end(), 0);
    if (ph.texture) DeleteTexture(ph.texture);
    d.photos.erase(d.photos.begin() + remove);
  }

  const bool busy = app.kiosk && app.kiosk->processing_photo();
  const bool full = d.photos.size() >= Draft::kMaxPhotos;
  if (busy && !app.kiosk->camera_open()) Label(app, app.T("photos.processing"), t.body_px(), t.primary);
  if (!ps.error_key.empty()) Paragraph(app, app.T(ps.error_key), t.body_px(), w, t.accent);
  if (full) Label(app, app.T("photos.full"), t.body_px(), t.text_muted);

  if (!full && app.kiosk) {
    if (!ps.listed) {
      ps.candidates = app.kiosk->ListImports();
      app.kiosk->FindCamera();
      ps.listed = true;
    }
    if (CameraRow(app, "photos.take", busy, w * 0.6f - t.pad())) {
      ps.error_key.clear();
    } else if (ps.candidates.empty()) {
      // "Nothing on the pen drive" only where there is a pen drive to look at; with neither a
      // folder nor a camera, say why no photo can be added here.
      if (app.kiosk->has_import_folder()) Label(app, app.T("photos.none_found"), t.body_px(), t.text_muted);
      else if (!app.kiosk->has_camera()) Label(app, app.T("photos.no_camera"), t.body_px(), t.text_muted);
    } else {
      Label(app, app.T("photos.pick"), t.body_px(), t.text);
      const float list_h = ImGui::GetContentRegionAvail().y - t.min_target() - t.pad() * 3;
      BeginTouchScroll(app, "photos.list", ImVec2(w * 0.6f, std::max(t.min_target(), list_h)));
      for (size_t i = 0; i < ps.candidates.size(); ++i) {
        // A file already in the complaint is shown chosen and cannot be added again.
        const std::string& path = ps.candidates[i].path;
        const bool added = std::any_of(d.photos.begin(), d.photos.end(), [&](const DraftPhoto& p) { return p.source == path; });
        ButtonOpts o;
        o.enabled = !busy && !added;
        o.selected = added;
        o.use_app_lang = false;  // file names are shown as they are
        if (Button(app, "photos.file" + std::to_string(i), ps.candidates[i].name,
                   ImVec2(w * 0.6f - t.pad(), t.min_target()), o) == Press::Tap) {
          ps.error_key.clear();
          app.kiosk->AddPhoto(app, ps.candidates[i].path);
        }
      }
      EndTouchScroll(app);
    }
  }
  if (BottomAction(app, "photos.next", app.T("common.next"), !busy) == Press::Tap) {
    ps.listed = false;
    app.Go(ScreenId::Contact);
  }
}

}  // namespace samvad::ui
