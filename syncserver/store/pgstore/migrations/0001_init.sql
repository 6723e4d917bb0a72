-- 0001: everything the embedded (bbolt) store holds, as tables.
--
-- Conventions:
--  * Records that the server reads and writes whole are kept as json
--    documents in the Go encoding of their type (doc), beside the columns
--    that are looked up, ordered or constrained. json, not jsonb: the
--    text is kept byte for byte (an audit entry's raw detail, key order).
--  * Times that are compared or ordered (leaf times, nonce expiries, a
--    mail's next try) are kept as bigint nanoseconds since the Unix epoch:
--    timestamptz keeps only microseconds.
--  * Rows name their round, person or leaf without foreign keys: the
--    store checks what must exist (an unknown round is ErrNotFound), as
--    the embedded store does, and a refused write never aborts the
--    transaction it is part of.
--  * Signed bytes (leaves, envelopes, the frozen input, files) are bytea,
--    byte for byte.
--  * Sequences (audit, mails, corrections, key history) come from the
--    counters table, updated in the writer's transaction: no gaps, unlike
--    PostgreSQL's sequences.

CREATE TABLE counters (
	name  text PRIMARY KEY,
	value bigint NOT NULL CHECK (value >= 0)
);

-- The server's metadata (store.Meta*): its key name, its recorded public
-- key and key history, the last leaf's time.
CREATE TABLE server_meta (
	key   text PRIMARY KEY,
	value bytea NOT NULL
);

-- People, their current public key, every key ever registered, and their
-- pending activation code (an Argon2id hash, never the code).
CREATE TABLE people (
	id  text PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE person_keys (
	person     text PRIMARY KEY,
	public_key bytea NOT NULL CHECK (length(public_key) = 32),
	doc        json NOT NULL
);

CREATE TABLE key_history (
	person     text NOT NULL,
	seq        bigint NOT NULL,
	public_key bytea NOT NULL CHECK (length(public_key) = 32),
	revoked    boolean NOT NULL DEFAULT false,
	doc        json NOT NULL,
	PRIMARY KEY (person, seq)
);

-- Keyed by person id, or by the stand-in key of unknown ids (the same
-- work is spent on an unknown id as on a known one).
CREATE TABLE activations (
	person text PRIMARY KEY,
	doc    json NOT NULL
);

-- Rounds and what belongs to each (rows of an unknown round are never
-- written: the store checks the round first).
CREATE TABLE rounds (
	id  text PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE postes (
	round   text NOT NULL,
	id      text NOT NULL,
	version bigint NOT NULL,
	doc     json NOT NULL,
	PRIMARY KEY (round, id)
);
CREATE INDEX postes_by_version ON postes (round, version);

CREATE TABLE eligible (
	round  text NOT NULL,
	intern text NOT NULL,
	PRIMARY KEY (round, intern)
);

-- Manual assignments (round 3).
CREATE TABLE manual_assignments (
	round  text NOT NULL,
	intern text NOT NULL,
	doc    json NOT NULL,
	PRIMARY KEY (round, intern)
);

-- The canonical frozen input of a round's last run (shared/frozen), its
-- computed preview, and its published result with the signed envelope.
CREATE TABLE round_inputs (
	round text PRIMARY KEY,
	input bytea NOT NULL
);

CREATE TABLE round_previews (
	round text PRIMARY KEY,
	doc   json NOT NULL
);

CREATE TABLE round_results (
	round  text PRIMARY KEY,
	doc    json NOT NULL,
	signed bytea NOT NULL
);

-- Call lists: the draft being prepared, and every published version.
CREATE TABLE call_list_drafts (
	round text PRIMARY KEY,
	doc   json NOT NULL
);

CREATE TABLE call_list_versions (
	round    text NOT NULL,
	version  integer NOT NULL CHECK (version > 0),
	envelope bytea NOT NULL,
	doc      json NOT NULL,
	PRIMARY KEY (round, version)
);

-- The transparency log. log_head is its one head row: every append locks
-- it (SELECT … FOR UPDATE) in the batch's transaction, so that the nodes
-- sharing the database write one sequence of indexes.
CREATE TABLE log_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	size bigint NOT NULL DEFAULT 0 CHECK (size >= 0)
);
INSERT INTO log_head DEFAULT VALUES;

CREATE TABLE log_leaves (
	idx  bigint PRIMARY KEY CHECK (idx >= 0),
	data bytea NOT NULL
);

-- tlog's stored hashes (every complete subtree), by stored-hash index.
CREATE TABLE log_hashes (
	idx  bigint PRIMARY KEY CHECK (idx >= 0),
	hash bytea NOT NULL CHECK (length(hash) = 32)
);

-- Accepted envelopes by digest: the same envelope again gets its first
-- receipt back.
CREATE TABLE accepted (
	digest         text PRIMARY KEY,
	idx            bigint NOT NULL,
	server_time_ns bigint NOT NULL
);

-- The current submission of each author in a round (and poste, for a
-- ranking; '' for a wish list).
CREATE TABLE submissions (
	round        text NOT NULL,
	author       text NOT NULL,
	poste        text NOT NULL DEFAULT '',
	payload_type text NOT NULL,
	seq          bigint NOT NULL,
	idx          bigint NOT NULL,
	doc          json NOT NULL,
	PRIMARY KEY (round, author, poste)
);
CREATE INDEX submissions_by_type ON submissions (round, payload_type);

-- Candidate files: the bytes once by SHA-256, and who uploaded them.
CREATE TABLE blobs (
	sha256 text PRIMARY KEY,
	data   bytea NOT NULL
);

CREATE TABLE files (
	sha256   text NOT NULL,
	owner    text NOT NULL,
	size     bigint NOT NULL CHECK (size >= 0),
	doc      json NOT NULL,
	PRIMARY KEY (sha256, owner)
);
CREATE INDEX files_by_owner ON files (owner);

-- The administrative audit log.
CREATE TABLE audit (
	seq bigint PRIMARY KEY,
	doc json NOT NULL
);

-- Corrections (requests to correct a published result).
CREATE TABLE corrections (
	id  text PRIMARY KEY,
	seq bigint NOT NULL UNIQUE,
	doc json NOT NULL
);

-- The mail outbox: every mail, the ones still due, and each notification
-- enqueued once (once_key).
CREATE TABLE mails (
	seq         bigint PRIMARY KEY,
	id          text NOT NULL UNIQUE,
	status      text NOT NULL,
	due         boolean NOT NULL,
	next_try_ns bigint NOT NULL,
	once_key    text UNIQUE,
	doc         json NOT NULL
);
CREATE INDEX mails_due ON mails (next_try_ns, seq) WHERE due;
CREATE INDEX mails_by_status ON mails (status, seq);

CREATE TABLE preferences (
	person text PRIMARY KEY,
	doc    json NOT NULL
);

-- Replay nonces of state-changing requests, global to every node.
CREATE TABLE nonces (
	nonce      text PRIMARY KEY,
	expires_ns bigint NOT NULL
);
CREATE INDEX nonces_by_expiry ON nonces (expires_ns);

-- Witnesses and their latest cosignature.
CREATE TABLE witnesses (
	name      text PRIMARY KEY,
	tree_size bigint NOT NULL DEFAULT 0,
	doc       json NOT NULL
);
