-- Up Migration
-- One row per voter and poll: the primary key is what makes a re-delivered vote count once.
CREATE TABLE votes (
  poll_id     text        NOT NULL,
  voter_id    text        NOT NULL,
  option_id   text        NOT NULL CHECK (option_id IN ('a', 'b')),
  cast_at     timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (poll_id, voter_id)
);

-- Running totals, updated in the same statement that inserts votes, so reading results
-- never scans the votes table.
CREATE TABLE vote_tallies (
  poll_id   text   NOT NULL,
  option_id text   NOT NULL CHECK (option_id IN ('a', 'b')),
  votes     bigint NOT NULL CHECK (votes >= 0),
  PRIMARY KEY (poll_id, option_id)
);

-- Down Migration
DROP TABLE vote_tallies;
DROP TABLE votes;
