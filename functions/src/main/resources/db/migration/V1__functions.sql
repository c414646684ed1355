-- A function belongs to one owner; its name is global because the gateway routes /fn/{name}.
CREATE TABLE functions (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    owner       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX functions_owner ON functions (owner);

-- Versions are immutable: rows are only inserted (and removed with their function).
CREATE TABLE function_versions (
    function_id     UUID NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    version         INT NOT NULL,
    runtime         TEXT NOT NULL,
    entrypoint      TEXT NOT NULL,
    memory_mib      INT NOT NULL,
    cpu_millis      INT NOT NULL,
    timeout_millis  INT NOT NULL,
    max_concurrency INT NOT NULL,
    bundle_cid      TEXT NOT NULL,
    bundle_bytes    BIGINT NOT NULL,
    bundle_files    INT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (function_id, version)
);

-- Plain values are kept as given; secret values only as AES-GCM ciphertext (nonce || sealed).
CREATE TABLE function_env (
    function_id UUID NOT NULL,
    version     INT NOT NULL,
    name        TEXT NOT NULL,
    plain_value TEXT,
    sealed      BYTEA,
    PRIMARY KEY (function_id, version, name),
    FOREIGN KEY (function_id, version) REFERENCES function_versions (function_id, version) ON DELETE CASCADE,
    CHECK ((plain_value IS NULL) <> (sealed IS NULL))
);
