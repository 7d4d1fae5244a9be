-- mixed.sql: a store with something in every table, as kag-load writes it:
-- strings decoded, JSON cells as JSON text (Python's spacing in Kagura's
-- rows), fields without a column in kag_memory_extra and the extra columns.
.read schema.sql
INSERT INTO memories (id, key, value, user_id, agent_name, created_at,
    updated_at, metadata) VALUES
 (1, 'pref:lang', '{"lang": "rust", "level": 3}', 'alice', 'global',
  '2026-01-01 10:00:00', '2026-01-02 10:00:00', '{"tags": ["config"]}'),
 (2, 'note', '"caf\u00e9 \ud83d\ude80"', 'bob', NULL,
  '2026-01-03 09:00:00', '2026-01-03 09:00:00', NULL),
 (3, 'big', '123456789012345678901234567890', 'default_user', 'planner',
  NULL, NULL, 'null'),
 (4, 'imported', 'true', 'alice', 'global', '2026-01-04T08:00:00.123456',
  '2026-01-04T08:00:00.123456', '{"importance": 0.90}'),
 (5, 'ключ "q"', '[1, 2.50, -0.0, 1e400]', 'bob', 'global',
  '2026-01-05 00:00:00', '2026-01-05 00:00:00', '{}');
INSERT INTO kag_memory_extra VALUES (4, '{"source":"import","seen":[1,2]}');
INSERT INTO kag_working (id, key, value, user_id, agent_name, created_at,
    updated_at, metadata, extra) VALUES
 (1, 'draft', '"x"', 'alice', 'global', '2026-02-01T00:00:00Z',
  '2026-02-01T00:00:00Z', NULL, NULL),
 (2, 'cursor', '{"line": 3}', 'bob', NULL, NULL, NULL, '{"ttl": 60}',
  '{"session":"s1"}');
INSERT INTO kag_nodes (id, node_type, data, content, metadata, created_at,
    updated_at, extra) VALUES
 ('n_alice', 'person', '{"user_id":"alice","name":"Alice"}',
  '"Alice, engineer"', '{"team":"core"}', '2026-01-01T00:00:00Z', NULL,
  NULL),
 ('n_bob', 'person', '{"user_id":"bob"}', NULL, NULL, NULL, NULL, NULL),
 ('n_topic', 'topic', NULL, NULL, NULL, NULL, '2026-01-09T00:00:00Z',
  '{"hint":0.5}'),
 ('n_carol', NULL, '{"user_id":"carol"}', NULL, NULL, NULL, NULL, NULL);
INSERT INTO kag_edges (seq, id, src, dst, rel_type, weight, data, directed,
    metadata, created_at, extra) VALUES
 (1, NULL, 'n_alice', 'n_topic', 'likes', '0.8', '{}', NULL, NULL, NULL,
  NULL),
 (2, 'e2', 'n_bob', 'n_topic', NULL, NULL, NULL, 'true', '{"why":"x"}',
  '2026-01-10T00:00:00Z', NULL),
 (3, NULL, 'n_alice', 'n_bob', 'knows', '1', '{"since":2020}', NULL, NULL,
  NULL, NULL),
 (4, NULL, 'n_carol', 'n_bob', 'knows', '0.5', '{}', 'false', NULL, NULL,
  '{"note":"old"}');
INSERT INTO kag_hyperedges (id, edge_type, content, metadata, created_at,
    extra) VALUES
 ('h1', 'team', '"Core team"', NULL, '2026-01-11T00:00:00Z', NULL),
 ('h2', NULL, NULL, '{"k":1}', NULL, NULL);
INSERT INTO kag_hyperedge_members VALUES
 ('h1', 0, 'n_alice'), ('h1', 1, 'n_bob'), ('h1', 2, 'n_carol'),
 ('h2', 0, 'n_carol'), ('h2', 1, 'n_topic');
