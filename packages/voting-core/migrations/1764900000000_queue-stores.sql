-- Up Migration
-- One row per queue store (a stream name): the generation of voters' records the store was last
-- rebuilt to from the votes table. A rebuild bumps it under a row lock; the worker commits a
-- batch only if the batch was accepted under the current generation (see recordVotes), so a
-- batch taken from a store that has since lost its data can never slip past a rebuild.
CREATE TABLE queue_stores (
  stream     text   PRIMARY KEY,
  generation bigint NOT NULL CHECK (generation >= 0)
);

-- Down Migration
DROP TABLE queue_stores;
