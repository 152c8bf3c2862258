//! The schema, one step per version.

/// The schema, one step per version: `user_version` counts the steps applied. Append only.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE claims (
        place INTEGER NOT NULL,
        entry TEXT NOT NULL,
        until_ms INTEGER NOT NULL,
        PRIMARY KEY (place, entry)
    ) WITHOUT ROWID;
    CREATE TABLE threads_seen (thread INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
    CREATE TABLE answered (message INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
    CREATE TABLE shown (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        how TEXT NOT NULL,
        guild INTEGER,
        channel INTEGER NOT NULL,
        message INTEGER,
        user INTEGER,
        entry TEXT NOT NULL,
        score REAL,
        reply INTEGER NOT NULL
    );
    CREATE TABLE outcomes (
        reply INTEGER PRIMARY KEY,
        outcome TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX shown_at ON shown (at_ms);
    CREATE INDEX shown_reply ON shown (reply);
    CREATE INDEX shown_user ON shown (user);
    CREATE TABLE unmatched (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        guild INTEGER,
        channel INTEGER NOT NULL,
        message INTEGER NOT NULL,
        user INTEGER NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL
    );
    CREATE INDEX unmatched_at ON unmatched (at_ms);
    CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        entry TEXT NOT NULL,
        text TEXT NOT NULL,
        positive INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        channel INTEGER,
        message INTEGER,
        author INTEGER,
        reply INTEGER,
        by INTEGER
    );
    CREATE INDEX examples_entry ON examples (entry, positive, at_ms);",
    // 2: the model's vectors of entry texts, so that a restart does not embed the FAQ again.
    "CREATE TABLE vectors (
        model TEXT NOT NULL,
        text_hash BLOB NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;",
    // 3: where each answered message was and whether its answer finished, so that a restart
    // reads back each place from its newest message and takes over what a killed run left
    // unfinished; and which message holds each cooldown slot, so that it may take it again.
    "ALTER TABLE answered ADD COLUMN place INTEGER;
    ALTER TABLE answered ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE answered ADD COLUMN done INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX answered_at ON answered (at_ms);
    ALTER TABLE claims ADD COLUMN message INTEGER NOT NULL DEFAULT 0;",
    // 4: examples learned from a channel's history, and how far each channel's history was read.
    "ALTER TABLE examples ADD COLUMN from_history INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX examples_message ON examples (message);
    CREATE TABLE history_read (
        channel INTEGER PRIMARY KEY,
        newest INTEGER NOT NULL,
        oldest INTEGER NOT NULL
    );",
    // 5: a counter of what the matcher learns from (examples added or removed, a FAQ reload), so
    // that every process sharing the store sees another's teaching without a restart.
    "CREATE TABLE teaching (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
    INSERT INTO teaching (id, version) VALUES (1, 0);",
    // 6: when the next gateway IDENTIFY may be sent, so that processes starting together take
    // turns within Discord's limit.
    "CREATE TABLE identify_turns (id INTEGER PRIMARY KEY CHECK (id = 1), free_ms INTEGER NOT NULL);",
    // 7: every server its own memory. Examples belong to the server they were taught in (rows
    // from before stay without one until `adopt` gives them to the single server they came
    // from); `taught` says which servers' teaching moved with each version, so that another
    // process rebuilds only those servers' matchers.
    "ALTER TABLE examples ADD COLUMN guild INTEGER;
    CREATE INDEX examples_guild ON examples (guild, entry, positive, at_ms);
    CREATE INDEX shown_guild ON shown (guild, at_ms);
    CREATE INDEX unmatched_guild ON unmatched (guild, at_ms);
    CREATE TABLE taught (guild INTEGER PRIMARY KEY, version INTEGER NOT NULL);",
    // 8: each running process's lease: until when the answers it began are its own (another run
    // takes over only what a run left once its lease is over).
    "CREATE TABLE runs (run INTEGER PRIMARY KEY, lease_until_ms INTEGER NOT NULL);",
    // 9: staff answers that linked a docs page no entry links (one row per question and page), and
    // the week of each server's last gaps digest, so that it is posted once per week whatever
    // restarts or how many processes run.
    "CREATE TABLE staff_pages (
        message INTEGER NOT NULL,
        page TEXT NOT NULL,
        guild INTEGER,
        channel INTEGER NOT NULL,
        user INTEGER NOT NULL,
        text TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        reply INTEGER NOT NULL,
        by INTEGER NOT NULL,
        PRIMARY KEY (message, page)
    );
    CREATE INDEX staff_pages_guild ON staff_pages (guild, at_ms);
    CREATE TABLE digests (guild INTEGER PRIMARY KEY, week INTEGER NOT NULL);",
];
