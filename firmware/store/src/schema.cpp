// The product's schema migrations. RELEASED MIGRATIONS ARE NEVER EDITED: add a new
// one instead. tests/store/migrations_frozen_test.cpp pins the hash of each.
#include "checkpoint/store/migrations.hpp"

namespace checkpoint::store {

namespace {

constexpr Migration kMigrations[] = {
    {1, "records_outbox_audit_state",
     R"sql(
CREATE TABLE inspections (
  id            INTEGER PRIMARY KEY,
  record_uuid   TEXT    NOT NULL UNIQUE,
  kind          TEXT    NOT NULL,
  booth         TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  level         TEXT    NOT NULL,
  payload       TEXT    NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX inspections_by_time ON inspections(created_at_ms);

CREATE TABLE outbox_sequence (
  device_id TEXT    PRIMARY KEY,
  last_seq  INTEGER NOT NULL CHECK (last_seq >= 0)
);
CREATE TABLE outbox (
  device_id     TEXT    NOT NULL,
  seq           INTEGER NOT NULL CHECK (seq > 0),
  lane          INTEGER NOT NULL CHECK (lane BETWEEN 0 AND 2),
  record_type   TEXT    NOT NULL,
  record_uuid   TEXT    NOT NULL,
  payload       BLOB    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  synced_at_ms  INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE INDEX outbox_pending ON outbox(lane, seq) WHERE synced_at_ms IS NULL;
CREATE INDEX outbox_synced ON outbox(synced_at_ms) WHERE synced_at_ms IS NOT NULL;

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  ts_ms      INTEGER NOT NULL,
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  subject    TEXT    NOT NULL,
  details    TEXT    NOT NULL,
  prev_hash  BLOB    NOT NULL CHECK (length(prev_hash) = 32),
  hash       BLOB    NOT NULL CHECK (length(hash) = 32)
);
CREATE TABLE audit_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  last_id   INTEGER NOT NULL,
  last_hash BLOB    NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE device_state (
  key           TEXT    PRIMARY KEY,
  value         TEXT    NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql",
     R"sql(
DROP TABLE device_state;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP INDEX outbox_synced;
DROP INDEX outbox_pending;
DROP TABLE outbox;
DROP TABLE outbox_sequence;
DROP INDEX inspections_by_time;
DROP TABLE inspections;
)sql"},
    {2, "device_events",
     R"sql(
CREATE TABLE device_events (
  id          INTEGER PRIMARY KEY,
  device_id   TEXT    NOT NULL,
  class       TEXT    NOT NULL,
  booth       TEXT    NOT NULL,
  ts_ms       INTEGER NOT NULL,
  kind        TEXT    NOT NULL,
  quality     REAL,
  payload     TEXT    NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX device_events_by_device ON device_events(device_id, id);
CREATE INDEX device_events_by_time ON device_events(ts_ms);
)sql",
     R"sql(
DROP INDEX device_events_by_time;
DROP INDEX device_events_by_device;
DROP TABLE device_events;
)sql"},
    {3, "trust_store",
     R"sql(
CREATE TABLE trust_csca (
  id          INTEGER PRIMARY KEY,
  fingerprint TEXT    NOT NULL UNIQUE CHECK (length(fingerprint) = 64),
  subject     TEXT    NOT NULL,
  issuer      TEXT    NOT NULL,
  country     TEXT    NOT NULL,
  serial      TEXT    NOT NULL,
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('root', 'link')),
  source      TEXT    NOT NULL,
  added_at_ms INTEGER NOT NULL,
  der         BLOB    NOT NULL
);
CREATE INDEX trust_csca_by_subject ON trust_csca(subject);
CREATE TABLE trust_crl (
  id            INTEGER PRIMARY KEY,
  fingerprint   TEXT    NOT NULL UNIQUE CHECK (length(fingerprint) = 64),
  issuer        TEXT    NOT NULL UNIQUE,
  country       TEXT    NOT NULL,
  this_update   INTEGER NOT NULL,
  next_update   INTEGER NOT NULL,
  revoked_count INTEGER NOT NULL,
  source        TEXT    NOT NULL,
  added_at_ms   INTEGER NOT NULL,
  der           BLOB    NOT NULL
);
)sql",
     R"sql(
DROP TABLE trust_crl;
DROP INDEX trust_csca_by_subject;
DROP TABLE trust_csca;
)sql"},
    {4, "watchlists",
     R"sql(
CREATE TABLE watchlist_versions (
  version        INTEGER PRIMARY KEY CHECK (version > 0),
  kind           TEXT    NOT NULL CHECK (kind IN ('full', 'delta')),
  imported_at_ms INTEGER NOT NULL,
  source         TEXT    NOT NULL,
  sha256         TEXT    NOT NULL CHECK (length(sha256) = 64),
  upserts        INTEGER NOT NULL CHECK (upserts >= 0),
  removals       INTEGER NOT NULL CHECK (removals >= 0),
  removed        INTEGER NOT NULL CHECK (removed >= 0),
  persons        INTEGER NOT NULL CHECK (persons >= 0),
  documents      INTEGER NOT NULL CHECK (documents >= 0),
  vehicles       INTEGER NOT NULL CHECK (vehicles >= 0),
  containers     INTEGER NOT NULL CHECK (containers >= 0)
);
CREATE TABLE watchlist_entries (
  id             TEXT    NOT NULL PRIMARY KEY,
  kind           TEXT    NOT NULL
                 CHECK (kind IN ('person', 'document', 'vehicle', 'container')),
  agency         TEXT    NOT NULL,
  valid_from_ms  INTEGER NOT NULL,
  valid_until_ms INTEGER NOT NULL,
  version        INTEGER NOT NULL,
  entry          TEXT    NOT NULL CHECK (json_valid(entry))
);
)sql",
     R"sql(
DROP TABLE watchlist_entries;
DROP TABLE watchlist_versions;
)sql"},
    // Traveller history for the risk rules' counts (crossings and refusals by
    // document number in the last N days): one row per traveller inspection and per
    // refusal decision, written in the inspection's own transaction.
    {5, "traveller_history",
     R"sql(
CREATE TABLE traveller_history (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('crossing', 'refusal')),
  document_number TEXT    NOT NULL,
  ts_ms           INTEGER NOT NULL,
  record_uuid     TEXT    NOT NULL
);
CREATE INDEX traveller_history_by_document ON traveller_history(kind, document_number, ts_ms);
CREATE INDEX traveller_history_by_record ON traveller_history(record_uuid);
)sql",
     R"sql(
DROP INDEX traveller_history_by_record;
DROP INDEX traveller_history_by_document;
DROP TABLE traveller_history;
)sql"},
    // Officer accounts of the console (firmware/console, docs/console.md): the
    // password as an scrypt hash with its own salt and parameters, and the lockout
    // state, kept across restarts.
    {6, "officers",
     R"sql(
CREATE TABLE officers (
  id              TEXT    NOT NULL PRIMARY KEY,
  name            TEXT    NOT NULL,
  agency          TEXT    NOT NULL CHECK (agency IN ('border_guard', 'customs', 'police')),
  role            TEXT    NOT NULL CHECK (role IN ('officer', 'supervisor', 'technician')),
  language        TEXT    NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'uk', 'ru')),
  password        TEXT    NOT NULL,
  disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  failed_logins   INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until_ms INTEGER NOT NULL DEFAULT 0,
  created_at_ms   INTEGER NOT NULL,
  updated_at_ms   INTEGER NOT NULL
);
)sql",
     R"sql(
DROP TABLE officers;
)sql"},
    // The console's second slice (docs/console.md, ADR 0015): officer sessions that
    // survive a restart (only a SHA-256 of the session token is kept; an officer
    // disabled, or given a new password, loses them at once, whoever changed the row),
    // indexes for the booth queue and the alerts, and the search terms of past
    // inspections (document number, names, plate, container codes; upper case),
    // filled by a trigger in the inspection's own transaction.
    {7, "console_sessions_history_search",
     R"sql(
CREATE TABLE console_sessions (
  token_sha256  BLOB    NOT NULL PRIMARY KEY CHECK (length(token_sha256) = 32),
  officer_id    TEXT    NOT NULL REFERENCES officers(id) ON DELETE CASCADE,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_by_officer ON console_sessions(officer_id);
CREATE TRIGGER console_sessions_end_with_account AFTER UPDATE OF disabled, password ON officers
  WHEN NEW.disabled <> 0 OR NEW.password IS NOT OLD.password
BEGIN DELETE FROM console_sessions WHERE officer_id = NEW.id; END;

CREATE INDEX inspections_by_booth ON inspections(booth, id);
CREATE INDEX inspections_by_level ON inspections(level, id);

CREATE TABLE inspection_terms (
  kind          TEXT    NOT NULL
                CHECK (kind IN ('document', 'name', 'plate', 'container', 'decision_of')),
  term          TEXT    NOT NULL,
  inspection_id INTEGER NOT NULL
);
CREATE INDEX inspection_terms_by_term ON inspection_terms(kind, term, inspection_id);
CREATE TRIGGER inspection_terms_of_record AFTER INSERT ON inspections
  WHEN NEW.kind <> 'decision'
BEGIN
  INSERT INTO inspection_terms (kind, term, inspection_id)
  SELECT k, t, NEW.id FROM (
    SELECT 'document' AS k, upper(trim(json_extract(NEW.payload, '$.document.number'))) AS t
    UNION ALL SELECT 'name', upper(trim(json_extract(NEW.payload, '$.document.surname')))
    UNION ALL SELECT 'name', upper(trim(json_extract(NEW.payload, '$.document.givenNames')))
    UNION ALL SELECT 'plate', upper(trim(coalesce(json_extract(NEW.payload, '$.plate.normalised'),
                                                  json_extract(NEW.payload, '$.plate.read'))))
    UNION ALL SELECT 'container', upper(trim(coalesce(json_extract(c.value, '$.code'),
                                                      json_extract(c.value, '$.read'))))
      FROM json_each(CASE json_type(NEW.payload, '$.containers') WHEN 'array'
                     THEN json_extract(NEW.payload, '$.containers') ELSE '[]' END) AS c
  ) WHERE typeof(t) = 'text' AND length(t) BETWEEN 1 AND 200;
END;
CREATE TRIGGER inspection_terms_of_decision AFTER INSERT ON inspections
  WHEN NEW.kind = 'decision' AND typeof(json_extract(NEW.payload, '$.inspection')) = 'text'
BEGIN
  INSERT INTO inspection_terms (kind, term, inspection_id)
  VALUES ('decision_of', json_extract(NEW.payload, '$.inspection'), NEW.id);
END;
INSERT INTO inspection_terms (kind, term, inspection_id)
SELECT 'decision_of', json_extract(payload, '$.inspection'), id FROM inspections
 WHERE kind = 'decision' AND typeof(json_extract(payload, '$.inspection')) = 'text';
INSERT INTO inspection_terms (kind, term, inspection_id)
SELECT k, t, id FROM (
  SELECT i.id, 'document' AS k, upper(trim(json_extract(i.payload, '$.document.number'))) AS t
    FROM inspections i WHERE i.kind <> 'decision'
  UNION ALL SELECT i.id, 'name', upper(trim(json_extract(i.payload, '$.document.surname')))
    FROM inspections i WHERE i.kind <> 'decision'
  UNION ALL SELECT i.id, 'name', upper(trim(json_extract(i.payload, '$.document.givenNames')))
    FROM inspections i WHERE i.kind <> 'decision'
  UNION ALL SELECT i.id, 'plate', upper(trim(coalesce(json_extract(i.payload, '$.plate.normalised'),
                                                       json_extract(i.payload, '$.plate.read'))))
    FROM inspections i WHERE i.kind <> 'decision'
  UNION ALL SELECT i.id, 'container', upper(trim(coalesce(json_extract(c.value, '$.code'),
                                                           json_extract(c.value, '$.read'))))
    FROM inspections i, json_each(CASE json_type(i.payload, '$.containers') WHEN 'array'
                                  THEN json_extract(i.payload, '$.containers') ELSE '[]' END) AS c
    WHERE i.kind <> 'decision'
) WHERE typeof(t) = 'text' AND length(t) BETWEEN 1 AND 200;
)sql",
     R"sql(
DROP TRIGGER inspection_terms_of_decision;
DROP TRIGGER inspection_terms_of_record;
DROP INDEX inspection_terms_by_term;
DROP TABLE inspection_terms;
DROP INDEX inspections_by_level;
DROP INDEX inspections_by_booth;
DROP TRIGGER console_sessions_end_with_account;
DROP INDEX console_sessions_by_officer;
DROP TABLE console_sessions;
)sql"},
};

}  // namespace

std::span<const Migration> ProductMigrations() {
  return kMigrations;
}

}  // namespace checkpoint::store
