-- Wrong passwords are counted by the backup database now, per account, where every device
-- sees the same count (migrations_postgres/0007); this device's own count goes.
DROP TABLE IF EXISTS sign_in_failures;
