// script.h — drives the real program, frame by frame, through the same input path a finger
// uses: for tests, demos and `make run` on a headless machine. One command per line:
//
//   tap NAME                 press and lift at the centre of a named widget (as drawn last frame)
//   tap-if-present NAME      the same when NAME is drawn, nothing when not: for a step the app may
//                            take by itself first (the sync engine retrying before staff tap Retry)
//   longpress NAME           hold for 0.7 s, then lift
//   drag NAME DX DY          press at NAME's centre, move by (DX, DY) em over 8 frames, lift
//   keys SEQ                 InScript/QWERTY keystrokes on the on-screen keyboard: each char taps
//                            its key ("key:k"), with a tap on shift first for shifted chars;
//                            a space taps the space bar. SEQ is the rest of the line.
//   wait N                   render N more frames
//   sleep MS                 keep rendering for MS milliseconds of real time (timers, idle reset)
//   settle                   render until no animation (fling) is running
//   await                    render until background work (save, photo, lookup) is done;
//                            fails after 20 s
//   await-widget NAME [S]    render until NAME is drawn (a sync finishing, say); fails after S
//                            seconds (default 30)
//   await-file FILE [S]      render until FILE (relative to --out) exists: a test rig's signal
//                            that a server it started listens; fails after S seconds (default 30)
//   remember VALUE           note a number the screen published (AppState::PublishValue)
//   expect-increased VALUE   fail unless VALUE is now larger than when remembered
//   expect-notice KEY        fail unless the screen's notice (or photo error) is catalog KEY;
//                            `expect-notice none`: fail if any is shown
//   screenshot FILE          write this frame as PNG (relative to --out)
//   expect-screen NAME       fail unless the current screen is NAME
//   expect-text FIELD TEXT   fail unless the field holds exactly TEXT (rest of the line)
//   expect-caret FIELD N     fail unless the field's caret is at byte offset N
//   expect-widget NAME       fail unless NAME was drawn last frame (expect-no-widget: the reverse)
//   expect-scrolled NAME     fail unless the scroll region NAME is scrolled away from the top
//   idle                     stop driving; the program goes on as if a person were using it
//                            (the benchmarks measure idle CPU and memory this way)
//   quit
// Blank lines and lines starting with # are ignored. A failure names the line and why.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "app/ui/app.h"

namespace samvad::script {

class Runner {
 public:
  bool Load(const std::string& path, std::string* error);
  void SetOutDir(std::string dir) { out_dir_ = std::move(dir); }  // where screenshots and await-file's files are
  // Called before each frame's input is applied. Returns false when the script is over.
  bool Step(ui::AppState& app);
  // The screenshot this frame must write ("" for none); cleared when taken.
  std::string TakeScreenshotRequest();
  bool failed() const { return failed_; }
  bool idle() const { return idle_; }
  const std::string& error() const { return error_; }

 private:
  bool Fail(const std::string& why);
  bool Exec(ui::AppState& app, const std::string& line);
  bool TapAt(ui::AppState& app, const std::string& name);
  text::EditState* Field(ui::AppState& app, const std::string& name);

  std::vector<std::string> lines_;
  std::string path_;
  size_t next_ = 0;
  int wait_frames_ = 3;  // the first frames draw the widgets a script taps
  bool wait_settle_ = false;
  double await_until_ = 0;
  std::string await_widget_;  // await-widget: its name, and until when
  double await_widget_until_ = 0;
  std::string await_file_;  // await-file: its path, and until when
  double await_file_until_ = 0;
  std::string out_dir_ = ".";
  std::map<std::string, double> remembered_;
  double sleep_until_ = 0;  // > 0 while awaiting background work
  double hold_until_ = 0;
  // Pointer actions queued frame by frame: {kind, x, y}.
  struct Pending { int kind; float x, y; };
  std::vector<Pending> queue_;
  std::string screenshot_;
  bool failed_ = false, done_ = false, idle_ = false;
  std::string error_;
};

}  // namespace samvad::script
