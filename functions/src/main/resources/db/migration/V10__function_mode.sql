-- how calls reach a version (exec: a process per call; http: a long-running server) and the argv its container starts
ALTER TABLE function_versions ADD COLUMN mode TEXT NOT NULL DEFAULT 'exec' CHECK (mode IN ('exec', 'http'));
ALTER TABLE function_versions ADD COLUMN command TEXT[];
