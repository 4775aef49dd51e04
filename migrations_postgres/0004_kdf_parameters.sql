-- Primer backup database, version 4: the Argon2id parameters the key-encryption key was
-- derived with, stored beside the wrapped data key, so raising them later locks nobody
-- out. NULL: the parameters in force before this column (m=65536, t=3, p=4).
ALTER TABLE users ADD COLUMN IF NOT EXISTS kdf_params text;
