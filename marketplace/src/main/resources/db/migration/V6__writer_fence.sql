-- The market's one writer (service-support's SingleWriter): the instance holding the advisory lock increments the
-- epoch when it takes the role, and every write transaction checks it (SELECT ... FOR SHARE), so an instance that
-- lost the role commits nothing after another took over.
CREATE TABLE writer_fence (
    name        text PRIMARY KEY,
    epoch       bigint NOT NULL,
    holder      text,
    acquired_at timestamptz
);
