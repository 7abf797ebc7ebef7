// push.cpp — the PUSHING phase of a session: due outbox entries to central, a batch at a time,
// complaint records first, then thumbnails, then full photos (on a 2G link the text of twenty
// complaints reaches the ward office before the first photo has finished).
//
// Per entry (DESIGN.md, "One outbox entry in a session"):
//   MarkSending → create (POST /requests.json, Idempotency-Key = client_uuid) → thumbnail (tus)
//   → photo (tus) → MarkSent(central id). Transient failure: every entry of the batch still held
//   is released with MarkRetry (S2) and the session ends. Permanent or Conflict: MarkFailed, the
//   rest of the batch goes on. AuthExpired: like Transient, but the session waits long.
//
// [SECTION] The create form and reading photos
// [SECTION] Item bookkeeping (snapshot, release)
// [SECTION] Push
#include <algorithm>
#include <cassert>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <optional>

#include "sync/client/engine_impl.h"
#include "sync/model/sha256.h"
#include "sync/model/wards.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"

namespace samvad::sync {

// =============================================================================================
// [SECTION] The create form and reading photos
// =============================================================================================

namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

// What a POST /media/sync answered: the verdict and, when Ok, each upload's durable offset.
struct SealAnswer {
  Verdict verdict;
  std::map<std::string, std::int64_t> durable;
};

// "17" from [{"service_request_id":"17",…}], or "".
std::string CreatedId(const std::string& body) {
  std::string why;
  const auto v = protocol::ParseJson(body, &why);
  if (!v || v->type != protocol::JsonValue::Type::Array || v->items.empty()) return {};
  std::string id = v->items[0].Str("service_request_id");
  if (id.empty() || id.size() > 20) return {};
  for (const char c : id)
    if (c < '0' || c > '9') return {};
  return id;
}

}  // namespace

protocol::Form CreateForm(const model::Complaint& c, const std::string& api_key) {
  protocol::Form f;
  f.push_back({"api_key", api_key});
  f.push_back({"service_code", c.category});
  f.push_back({"description", c.description});
  // Kiosks have no GPS: the location is the landmark the citizen gave and the ward, which
  // Open311 takes as address_string. Central caps it at 500 bytes.
  std::string where = c.landmark;
  where.append(where.empty() ? "Ward " : " (ward ");
  where.append(c.ward_code);
  if (!c.landmark.empty()) where.push_back(')');
  f.push_back({"address_string", Utf8Prefix(where, 500)});
  if (c.phone && !c.phone->empty()) f.push_back({"phone", *c.phone});
  f.push_back({"attribute[client_uuid]", c.client_uuid});
  f.push_back({"attribute[ticket]", model::DisplayTicket(c.ticket)});
  if (const int ward = model::WardNumber(c.ward_code); ward > 0) {
    char w[16];
    std::snprintf(w, sizeof w, "%02d", ward);
    f.push_back({"attribute[ward]", w});
  }
  f.push_back({"attribute[captured_at]", protocol::open311::FormatDatetime(c.created_at)});
  return f;
}

bool SyncEngine::Impl::ReadPhoto(const std::string& file, const std::string& sha256, std::string* bytes,
                                 std::string* cause) {
  const std::string path = cfg.photos_dir.empty() ? outbox.PhotoPath(file) : cfg.photos_dir + "/" + file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *cause = "photo file missing on this device (" + file + ")";
    return false;
  }
  bytes->assign(std::istreambuf_iterator<char>(in), {});
  // The name promises the content (app/store/DESIGN.md); a file that breaks the promise is
  // damaged, and sending it would give central a photo that is not the citizen's.
  if (model::Sha256Hex(*bytes) != sha256) {
    *cause = "photo file damaged on this device (SHA-256 does not match its name)";
    return false;
  }
  return true;
}

// =============================================================================================
// [SECTION] Item bookkeeping (snapshot, release)
// =============================================================================================

void SyncEngine::Impl::SetItem(Item& it, ItemPhase phase, const std::string& cause) {
  Publish([&](SyncSnapshot& s) {
    ItemProgress& p = s.items[it.index];
    const bool leaving = phase == ItemPhase::Sent || phase == ItemPhase::Failed || phase == ItemPhase::Retrying;
    const bool left = p.phase == ItemPhase::Sent || p.phase == ItemPhase::Failed || p.phase == ItemPhase::Retrying;
    if (leaving && !left) ++s.items_done;
    if (phase == ItemPhase::Sent && p.phase != ItemPhase::Sent) ++s.items_sent;
    p.phase = phase;
    p.cause = cause;
  });
}

// `confirmed_total`: what central holds of this entry's payload; `in_flight`: a PATCH body on
// its way. The session's bytes_done is shown as the larger of its old value and confirmed +
// in-flight, so it never goes back when a PATCH is cut off (S5).
void SyncEngine::Impl::Confirm(Item& it, std::int64_t confirmed_total, std::int64_t in_flight) {
  if (confirmed_total > it.confirmed) {
    progress_since_failure = true;
    session_bytes_confirmed += confirmed_total - it.confirmed;
    it.confirmed = confirmed_total;
  }
  Publish([&](SyncSnapshot& s) {
    ItemProgress& p = s.items[it.index];
    p.bytes_done = std::max(p.bytes_done, std::min(p.bytes_total, it.confirmed + in_flight));
    s.bytes_done = std::max(s.bytes_done, std::min(s.bytes_total, session_bytes_confirmed + in_flight));
  });
}

// Gives entries [from, to) that are still held back to the outbox as pending (S2), due when the
// session's wait ends: the same backoff draw the engine will wait for.
void SyncEngine::Impl::Release(std::vector<Item>& items, size_t from, size_t to, const SessionEnd& why) {
  // Rounded down: the engine's own timer decides when to try; the stored time only has to make
  // the entry due by then (and after a restart, ~1 s early at worst).
  const std::int64_t due = (Now() * 1000 + std::max<std::int64_t>(why.delay_ms, 0)) / 1000;
  const std::string cause = why.cause.empty() ? std::string("interrupted") : why.cause;
  for (size_t i = from; i < to; ++i) {
    Item& it = items[i];
    if (!it.active) continue;
    outbox.MarkRetry(it.entry.complaint.ticket, cause, due);
    it.active = false;
    SetItem(it, ItemPhase::Retrying, cause);
  }
}

// =============================================================================================
// [SECTION] Push
// =============================================================================================

SessionEnd SyncEngine::Impl::Push(bool forced) {
  session_bytes_confirmed = 0;
  std::vector<model::OutboxEntry> due;
  // "Sync now" means every pending entry, whatever its backoff said.
  const std::int64_t list_at = forced ? Now() + 10LL * 365 * 86400 : Now();
  if (outbox.ListDue(list_at, cfg.max_entries_per_session, &due) != model::OutboxResult::Ok) {
    Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Pushing; }, true);
    return SessionEnd{Action::Transient, "device storage error while reading the outbox", -1, -1};
  }
  std::vector<Item> items(due.size());
  Publish([&](SyncSnapshot& s) {
    s.phase = SessionPhase::Pushing;
    s.cause.clear();
    s.items.clear();
    s.items_done = s.items_sent = 0;
    s.items_total = static_cast<int>(due.size());
    s.bytes_done = s.bytes_total = 0;
    for (size_t i = 0; i < due.size(); ++i) {
      Item& it = items[i];
      it.entry = std::move(due[i]);
      it.index = i;
      const model::Complaint& c = it.entry.complaint;
      it.record_bytes = static_cast<std::int64_t>(protocol::EncodeForm(CreateForm(c, cfg.api_key)).size());
      for (const model::PhotoRef& ph : c.photos) {
        it.photo_bytes += ph.bytes;
        it.thumb_bytes += ph.thumb_file.empty() ? 0 : ph.thumb_bytes;
      }
      ItemProgress p;
      p.ticket = model::DisplayTicket(c.ticket);
      p.bytes_total = it.record_bytes + it.thumb_bytes + it.photo_bytes;
      s.bytes_total += p.bytes_total;
      s.items.push_back(std::move(p));
    }
  }, true);

  // S3: only now — central gave an id and holds every byte the entry needs. Erases the entry's
  // memo: callers have joined any prefetch that writes into one.
  const auto mark_sent = [&](Item& it, EntryMemo& memo) {
    const model::Complaint& c = it.entry.complaint;
    if (outbox.MarkSent(c.ticket, memo.central_id, Now()) != model::OutboxResult::Ok) {
      const std::string why = "device storage error while recording the send";
      outbox.MarkRetry(c.ticket, why, Now());
      it.active = false;
      SetItem(it, ItemPhase::Retrying, why);
      return;
    }
    it.active = false;
    Confirm(it, it.record_bytes + it.thumb_bytes + it.photo_bytes, 0);
    memos.erase(model::CanonicalTicket(c.ticket));
    SetItem(it, ItemPhase::Sent);
  };
  // Permanent for this entry (S2: it leaves by MarkFailed). Erases its memo, like mark_sent.
  const auto mark_failed = [&](Item& it, const std::string& cause) {
    outbox.MarkFailed(it.entry.complaint.ticket, cause, Now());
    it.active = false;
    memos.erase(model::CanonicalTicket(it.entry.complaint.ticket));
    SetItem(it, ItemPhase::Failed, cause);
  };
  const auto photo_count = [](const Item& it) {
    return std::min<size_t>(it.entry.complaint.photos.size(), model::kMaxPhotos);
  };
  // Every upload of the item complete and durable, after a seal; the memos of any that is not
  // are reset to ask central where to go on.
  const auto all_durable = [&](const Item& it, EntryMemo& memo, const std::map<std::string, std::int64_t>& durable) {
    bool all = true;
    for (size_t k = 0; k < photo_count(it); ++k) {
      const model::PhotoRef& ph = it.entry.complaint.photos[k];
      if (!SettleMemo(&memo.photos[k], durable)) all = false;
      if (!ph.thumb_file.empty() && !SettleMemo(&memo.thumbs[k], durable)) all = false;
    }
    return all;
  };

  // 4. (below) A batch's seal (U8) is sent on the second connection and answered while the
  // next batch goes; its entries stay held until then. One seal in flight at a time.
  struct PendingSeal {
    size_t start = 0, end = 0;   // its batch
    std::vector<size_t> items;   // the entries waiting on it
    std::vector<std::string> ids;
    std::future<SealAnswer> answer;
  };
  std::optional<PendingSeal> pending;
  // Settles the entries of a seal's answer: sent when every upload is durable at its length,
  // back to the outbox when central kept less (its machine restarted before the flush).
  const auto settle_seal = [&](const std::vector<size_t>& sealed, const SealAnswer& a) {
    for (const size_t i : sealed) {
      Item& it = items[i];
      if (!it.active) continue;
      if (a.verdict.action != Action::Ok) {
        mark_failed(it, a.verdict.cause);
        continue;
      }
      EntryMemo& memo = memos[model::CanonicalTicket(it.entry.complaint.ticket)];
      if (all_durable(it, memo, a.durable)) {
        mark_sent(it, memo);
        continue;
      }
      // Central's machine restarted between the upload and the flush and kept less than it had
      // acknowledged: the next session asks where to go on and sends the rest.
      const std::string why(kSealLostCause);
      outbox.MarkRetry(it.entry.complaint.ticket, why, Now());
      it.active = false;
      SetItem(it, ItemPhase::Retrying, why);
    }
  };
  // Waits for the seal in flight and settles its entries. A transient failure is retried here
  // (false, with the session's end in `end`, when it is given up: its entries are released).
  const auto finish_seal = [&](SessionEnd* end) {
    if (!pending) return true;
    PendingSeal p = std::move(*pending);
    pending.reset();
    SealAnswer a = p.answer.get();
    while (a.verdict.action == Action::Transient || a.verdict.action == Action::AuthExpired) {
      if (!RetryInSession(a.verdict, end)) {
        Release(items, p.start, p.end, *end);
        return false;
      }
      a.verdict = SealUploads(control, cfg.base_url, cfg.api_key, p.ids, &a.durable, Now());
    }
    settle_seal(p.items, a);
    return true;
  };
  // The session is ending for `why` (a failure, or stop): a seal in flight is still waited for,
  // since an answer that came settles its entries; without one they are released with the batch.
  const auto drop_seal = [&](const SessionEnd& why) {
    if (!pending) return;
    PendingSeal p = std::move(*pending);
    pending.reset();
    const SealAnswer a = p.answer.get();
    if (a.verdict.action == Action::Ok) settle_seal(p.items, a);
    Release(items, p.start, p.end, why);
  };

  for (size_t start = 0; start < items.size(); start += cfg.batch) {
    const size_t end = std::min(items.size(), start + cfg.batch);
    if (transport.cancelled()) {
      const SessionEnd stopped{Action::Transient, "stopped", -1, 0};
      drop_seal(stopped);
      return stopped;
    }
    for (size_t i = start; i < end; ++i) {
      // S1: held before the first byte goes out. Anything but Ok means the entry changed under
      // us (staff requeued it, say): leave it alone.
      items[i].active = outbox.MarkSending(items[i].entry.complaint.ticket, Now()) == model::OutboxResult::Ok;
      if (!items[i].active) SetItem(items[i], ItemPhase::Retrying, "skipped: the entry changed on the device");
    }
    // The next upload's CREATE, made on the second connection while this one sends a PATCH.
    // Joined before anything can erase the memo it writes to.
    std::future<void> prefetch;
    const auto join = [&] {
      if (prefetch.valid()) prefetch.get();
    };
    const auto fail = [&](Item& it, const std::string& cause) {
      join();
      mark_failed(it, cause);
    };
    const auto sent = [&](Item& it, EntryMemo& memo) {
      join();
      mark_sent(it, memo);
    };
    // After a failed call: wait and try the same step again (false), or release the batch and
    // end the session (true; the session's end is in `ended`).
    SessionEnd ended;
    const auto give_up = [&](const Verdict& v) {
      if (RetryInSession(v, &ended)) return false;
      join();
      drop_seal(ended);
      Release(items, start, end, ended);
      return true;
    };

    // 1. Complaint records.
    for (size_t i = start; i < end; ++i) {
      Item& it = items[i];
      if (!it.active) continue;
      const model::Complaint& c = it.entry.complaint;
      EntryMemo& memo = memos[model::CanonicalTicket(c.ticket)];
      SetItem(it, ItemPhase::Record);
      const std::string body = protocol::EncodeForm(CreateForm(c, cfg.api_key));
      while (memo.central_id.empty()) {
        const HttpCall call{"POST", cfg.base_url + "/requests.json",
                            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Idempotency-Key", c.client_uuid}},
                            body, true};
        const HttpResult r = transport.Perform(call);
        const Verdict v = Classify(r, Op::Create, Now());
        if (v.action == Action::Transient || v.action == Action::AuthExpired) {
          if (give_up(v)) return ended;
          continue;
        }
        if (v.action != Action::Ok) {
          fail(it, v.cause);
          break;
        }
        memo.central_id = CreatedId(r.body);
        if (memo.central_id.empty()) {
          fail(it, "central accepted the complaint but its answer had no id");
          break;
        }
        memo.fresh = r.Header("idempotent-replayed") != "true";
      }
      if (!it.active) continue;
      Confirm(it, it.record_bytes, 0);
      if (c.photos.empty()) sent(it, memo);
    }

    // 2. Thumbnails, then 3. full photos: every photo of every complaint in the batch, in order.
    // A complaint is sent once its last full photo is in (S3).
    struct Job {
      size_t i;
      bool thumb;
      int photo;  // index into the complaint's photos
    };
    std::vector<Job> jobs;
    std::vector<int> photos_left(items.size(), 0);
    for (const bool thumbs : {true, false})
      for (size_t i = start; i < end; ++i) {
        if (!items[i].active) continue;
        const auto& photos = items[i].entry.complaint.photos;
        for (int k = 0; k < static_cast<int>(std::min<size_t>(photos.size(), model::kMaxPhotos)); ++k) {
          if (thumbs && photos[static_cast<size_t>(k)].thumb_file.empty()) continue;
          jobs.push_back({i, thumbs, k});
          if (!thumbs) ++photos_left[i];
        }
      }
    const auto memo_of = [&](EntryMemo& memo, const Job& job) -> UploadMemo& {
      return (job.thumb ? memo.thumbs : memo.photos)[static_cast<size_t>(job.photo)];
    };
    const auto target_of = [&](const Item& it, const EntryMemo& memo, const Job& job) {
      const model::Complaint& c = it.entry.complaint;
      const model::PhotoRef& ph = c.photos.at(static_cast<size_t>(job.photo));
      return UploadTarget{cfg.base_url, cfg.api_key, memo.central_id, c.client_uuid, job.thumb ? "thumb" : "photo",
                          job.photo, job.thumb ? ph.thumb_file : ph.file, job.thumb ? ph.thumb_sha256 : ph.sha256,
                          memo.fresh, {}};
    };
    // Bytes of an item confirmed before `job` starts: its record, the thumbnails (and for a full
    // photo, the full photos) before it.
    const auto bytes_before = [&](const Item& it, const Job& job) {
      std::int64_t b = it.record_bytes;
      const auto& photos = it.entry.complaint.photos;
      for (int k = 0; k < static_cast<int>(photos.size()); ++k) {
        const model::PhotoRef& ph = photos[static_cast<size_t>(k)];
        const std::int64_t thumb = ph.thumb_file.empty() ? 0 : ph.thumb_bytes;
        if (job.thumb) b += k < job.photo ? thumb : 0;
        else b += thumb + (k < job.photo ? ph.bytes : 0);
      }
      return b;
    };
    std::vector<size_t> to_seal;  // items whose every photo is in, some not yet flushed (U8)
    const auto unsynced = [&](const Item& it, const EntryMemo& memo) {
      for (size_t k = 0; k < photo_count(it); ++k)
        if (memo.thumbs[k].unsynced || memo.photos[k].unsynced) return true;
      return false;
    };
    for (size_t j = 0; j < jobs.size(); ++j) {
      join();
      const Job& job = jobs[j];
      Item& it = items[job.i];
      if (!it.active) continue;
      const model::Complaint& c = it.entry.complaint;
      const model::PhotoRef& ph = c.photos.at(static_cast<size_t>(job.photo));
      EntryMemo& memo = memos[model::CanonicalTicket(c.ticket)];
      UploadMemo& um = memo_of(memo, job);
      const std::int64_t before = bytes_before(it, job);
      const std::int64_t size = job.thumb ? ph.thumb_bytes : ph.bytes;
      if (!um.done) {
        SetItem(it, job.thumb ? ItemPhase::Thumbnail : ItemPhase::Photo);
        std::string bytes, cause;
        if (!ReadPhoto(job.thumb ? ph.thumb_file : ph.file, job.thumb ? ph.thumb_sha256 : ph.sha256, &bytes, &cause)) {
          fail(it, cause);
          continue;
        }
        // Make the next upload while this one streams: its CREATE round trip then costs nothing.
        // Not for a request made just now: its POST will carry the photo (creation-with-upload),
        // which saves the same round trip and a request besides.
        for (size_t k = j + 1; k < jobs.size(); ++k) {
          Item& next = items[jobs[k].i];
          if (!next.active) continue;
          EntryMemo& nm = memos[model::CanonicalTicket(next.entry.complaint.ticket)];
          UploadMemo* num = &memo_of(nm, jobs[k]);
          // The second connection may still carry the last batch's seal: then no prefetch.
          const bool control_free =
              !pending || pending->answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
          if (!num->done && num->location.empty() && !nm.fresh && !transport.cancelled() && control_free) {
            const model::PhotoRef& nph = next.entry.complaint.photos.at(static_cast<size_t>(jobs[k].photo));
            const std::int64_t length = jobs[k].thumb ? nph.thumb_bytes : nph.bytes;
            prefetch = std::async(std::launch::async, [this, t = target_of(next, nm, jobs[k]), length, num] {
              // Any failure is left for the upload itself to meet again, and classify, in turn.
              uploader.Create(control, t, length, num, Now(), true);
            });
          }
          break;
        }
        const UploadTarget target = target_of(it, memo, job);
        for (;;) {
          const Verdict v = uploader.Upload(target, bytes, &um, [&](std::int64_t confirmed, std::int64_t in_flight) {
            Confirm(it, before + confirmed, in_flight);
          }, Now());
          if (v.action == Action::Transient || v.action == Action::AuthExpired) {
            if (give_up(v)) return ended;
            continue;
          }
          if (v.action != Action::Ok) fail(it, v.cause);
          break;
        }
        if (!it.active) continue;
      }
      Confirm(it, before + size, 0);
      if (!job.thumb && --photos_left[job.i] == 0) {
        if (unsynced(it, memo)) to_seal.push_back(job.i);
        else sent(it, memo);
      }
    }
    join();

    // 4. The flush (U8): central acknowledged some of these photos before flushing them. One
    // POST /media/sync makes them durable and says so per upload; only then are they sent. The
    // last batch's seal is answered first (one in flight); this one then goes on the second
    // connection while the next batch's records and photos go on this one.
    if (!finish_seal(&ended)) {
      Release(items, start, end, ended);
      return ended;
    }
    if (!to_seal.empty()) {
      PendingSeal p;
      p.start = start;
      p.end = end;
      for (const size_t i : to_seal) {
        if (!items[i].active) continue;
        p.items.push_back(i);
        const EntryMemo& memo = memos[model::CanonicalTicket(items[i].entry.complaint.ticket)];
        for (const auto* list : {&memo.thumbs, &memo.photos})
          for (const UploadMemo& um : *list)
            if (um.unsynced) p.ids.push_back(UploadId(um));
      }
      p.answer = std::async(std::launch::async, [this, ids = p.ids] {
        SealAnswer a;
        a.verdict = SealUploads(control, cfg.base_url, cfg.api_key, ids, &a.durable, Now());
        return a;
      });
      pending = std::move(p);
    }
    for (size_t i = start; i < end; ++i)
      assert((!items[i].active || (pending && std::count(pending->items.begin(), pending->items.end(), i) > 0)) &&
             "S2: a batch ends with none of its entries held but those waiting on its seal");
  }
  SessionEnd ended;
  if (!finish_seal(&ended)) return ended;
  return SessionEnd{};
}

}  // namespace samvad::sync
