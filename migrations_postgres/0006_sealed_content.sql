-- Primer backup database, version 6: content is sealed on the device before it is sent
-- (domain/sealing.py). An account's rows from before are sealed by its first backup after
-- the upgrade; this says when that was done, so later backups do not look again.
ALTER TABLE users ADD COLUMN IF NOT EXISTS content_sealed_at timestamptz;
