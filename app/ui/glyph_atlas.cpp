// glyph_atlas.cpp — see glyph_atlas.h.
#include "app/ui/glyph_atlas.h"

#include <GL/gl.h>
#include <GL/glext.h>
#include <imgui.h>

#include <cstring>

namespace samvad::ui {

void GlyphAtlas::Reserve(ImFontAtlas* atlas) {
  // 1024 wide: every GL has it; no power-of-two height, so the texture is ~1024×1020, 1 MB.
  atlas->Flags |= ImFontAtlasFlags_NoPowerOfTwoHeight | ImFontAtlasFlags_NoMouseCursors;
  atlas->TexDesiredWidth = 1024;
  w_ = 1024 - 2 * atlas->TexGlyphPadding;
  h_ = 1000;
  rect_id_ = atlas->AddCustomRectRegular(w_, h_);
}

bool GlyphAtlas::Locate(ImFontAtlas* atlas) {
  IM_ASSERT(rect_id_ >= 0 && "Reserve() before the atlas is built");
  const ImFontAtlasCustomRect* r = atlas->GetCustomRectByIndex(rect_id_);
  // Checked in release builds too: an unpacked region would draw garbage, not text.
  if (!r->IsPacked()) return false;
  ox_ = r->X;
  oy_ = r->Y;
  uv_sx_ = atlas->TexUvScale.x;
  uv_sy_ = atlas->TexUvScale.y;
  Reset();
  return true;
}

void GlyphAtlas::Reset() {
  entries_.clear();
  pending_.clear();
  shelf_x_ = shelf_y_ = shelf_h_ = 0;
  ++generation_;
}

const GlyphEntry& GlyphAtlas::Get(const text::FontSet& fonts, int font, uint32_t gid, int px) {
  const uint64_t key = (static_cast<uint64_t>(font) << 56) | (static_cast<uint64_t>(px) << 32) | gid;
  if (auto it = entries_.find(key); it != entries_.end()) return it->second;

  FT_Face face = fonts.at(font).ft;
  if (ft_font_ != font || ft_px_ != px) {
    FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(px));
    ft_font_ = font;
    ft_px_ = px;
  }
  GlyphEntry e;
  // Light hinting snaps only vertically, so horizontal advances stay HarfBuzz's exactly.
  if (FT_Load_Glyph(face, gid, FT_LOAD_TARGET_LIGHT) == 0 &&
      FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL) == 0) {
    const FT_Bitmap& bm = face->glyph->bitmap;
    const int gw = static_cast<int>(bm.width), gh = static_cast<int>(bm.rows);
    if (gw > 0 && gh > 0) {
      constexpr int kPad = 1;  // keeps bilinear sampling from bleeding into a neighbour
      if (gw + kPad > w_ || gh + kPad > h_) return entries_[key] = e;  // absurd size: draw nothing
      if (shelf_x_ + gw + kPad > w_) {
        shelf_y_ += shelf_h_;
        shelf_x_ = 0;
        shelf_h_ = 0;
      }
      if (shelf_y_ + gh + kPad > h_) {
        // Full: start over. Layouts cached against the old generation rebuild on next use.
        Reset();
        return Get(fonts, font, gid, px);
      }
      const int x = ox_ + shelf_x_, y = oy_ + shelf_y_;
      shelf_x_ += gw + kPad;
      if (gh + kPad > shelf_h_) shelf_h_ = gh + kPad;
      Pending p{x, y, gw, gh, std::vector<unsigned char>(static_cast<size_t>(gw * gh))};
      for (int row = 0; row < gh; ++row)
        std::memcpy(&p.alpha[static_cast<size_t>(row * gw)], bm.buffer + row * bm.pitch,
                    static_cast<size_t>(gw));
      pending_.push_back(std::move(p));
      e.u0 = static_cast<float>(x) * uv_sx_;
      e.v0 = static_cast<float>(y) * uv_sy_;
      e.u1 = static_cast<float>(x + gw) * uv_sx_;
      e.v1 = static_cast<float>(y + gh) * uv_sy_;
      e.left = static_cast<int16_t>(face->glyph->bitmap_left);
      e.top = static_cast<int16_t>(face->glyph->bitmap_top);
      e.w = static_cast<uint16_t>(gw);
      e.h = static_cast<uint16_t>(gh);
    }
  }
  return entries_[key] = e;
}

bool GlyphAtlas::Build(ImFontAtlas* atlas) {
  atlas->AddFontDefault();
  Reserve(atlas);
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  atlas->GetTexDataAsAlpha8(&px, &w, &h);
  return px && Locate(atlas);
}

bool GlyphAtlas::CreateTexture(ImFontAtlas* atlas) {
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  atlas->GetTexDataAsAlpha8(&px, &w, &h);  // built already (Build): returns the pixels
  if (!px) return false;
  GLint last = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last);
  GLuint tex = 0;
  glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  const GLint swizzle[4] = {GL_ONE, GL_ONE, GL_ONE, GL_RED};  // (1,1,1,a) like ImGui's RGBA atlas
  glTexParameteriv(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_RGBA, swizzle);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, w, h, 0, GL_RED, GL_UNSIGNED_BYTE, px);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last));
  if (glGetError() != GL_NO_ERROR) {
    glDeleteTextures(1, &tex);
    return false;
  }
  texture_ = tex;
  atlas->SetTexID(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex)));
  atlas->ClearTexData();  // on the GPU now; the CPU copy is not needed again
  return true;
}

void GlyphAtlas::DestroyTexture() {
  if (texture_) glDeleteTextures(1, &texture_);
  texture_ = 0;
}

void GlyphAtlas::Upload() {
  if (pending_.empty() || !texture_) return;
  GLint last = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last);
  glBindTexture(GL_TEXTURE_2D, texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  for (const Pending& p : pending_)
    glTexSubImage2D(GL_TEXTURE_2D, 0, p.x, p.y, p.w, p.h, GL_RED, GL_UNSIGNED_BYTE, p.alpha.data());
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last));
  pending_.clear();
}

}  // namespace samvad::ui
