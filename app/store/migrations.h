// migrations.h — the schema's history: step N takes a database from PRAGMA user_version N to
// N+1. Steps are append-only: a step that shipped is never edited (a kiosk somewhere is at that
// version); a fix is a new step. assets/store/fixtures/vN.db holds a database made by the code of
// version N, and tests/store/migration.tests.cpp migrates each one to the current version.
#pragma once

namespace samvad::store {

// How many steps there are: the current schema version.
int MigrationCount();
// The SQL of step `from_version` → from_version + 1 (no BEGIN/COMMIT: Store wraps it).
const char* MigrationSql(int from_version);

}  // namespace samvad::store
