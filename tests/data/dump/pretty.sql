-- pretty.sql: JSON cells pretty-printed over several lines (LF and CRLF),
-- which kag-dump writes on one line, strings and numbers untouched.
.read schema.sql
INSERT INTO memories (id, key, value, user_id, agent_name, created_at,
    updated_at, metadata) VALUES
 (1, 'indented', '{
  "name": "Kagura  AI",
  "tags": [
    "a b",
    "c\nd"
  ],
  "n": 1.50
}', 'alice', 'global', '2026-01-01 00:00:00', '2026-01-01 00:00:00',
  '{' || char(13) || char(10) || '  "importance": 0.9' || char(13) ||
  char(10) || '}'),
 (2, 'one line with spaces', '{ "kept" : "as is" }', 'alice', 'global',
  '2026-01-01 00:00:01', '2026-01-01 00:00:01', NULL);
INSERT INTO kag_nodes (id, node_type, data, content) VALUES
 ('n1', 'doc', '{
	"tab": "indented"
}', '[
  1,
  2
]');
