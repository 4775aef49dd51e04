-- Primer local store, version 7: wrong passwords in a row per email, and when the next
-- try is allowed. Signing in slows down after a few failures; a success clears the row.
-- A brake on this device only: one that holds against someone with the database URL
-- belongs on the server.
CREATE TABLE sign_in_failures (
    email           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    next_allowed_at TEXT NOT NULL
);
