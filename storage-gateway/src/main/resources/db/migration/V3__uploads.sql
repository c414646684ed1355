-- What each account stored through uploads, counted against its quota: one row per account and object.
CREATE TABLE uploaded_objects (
    owner    VARCHAR(42) NOT NULL,
    cid      TEXT NOT NULL,
    size     BIGINT NOT NULL CHECK (size >= 0),
    created  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner, cid)
);

-- Room held for uploads under way (their declared length, or what is left of the quota); a crashed upload's hold
-- stops counting after an hour.
CREATE TABLE upload_holds (
    id       UUID PRIMARY KEY,
    owner    VARCHAR(42) NOT NULL,
    bytes    BIGINT NOT NULL CHECK (bytes >= 0),
    created  TIMESTAMPTZ NOT NULL
);
CREATE INDEX upload_holds_owner ON upload_holds (owner, created);
