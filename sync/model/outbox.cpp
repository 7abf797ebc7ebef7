// outbox.cpp — see outbox.h.
#include "sync/model/outbox.h"

namespace samvad::model {

std::string_view OutboxStateCode(OutboxState s) {
  switch (s) {
    case OutboxState::Pending: return "pending";
    case OutboxState::Sending: return "sending";
    case OutboxState::Sent: return "sent";
    case OutboxState::Failed: break;
  }
  return "failed";
}

}  // namespace samvad::model
