-- badcells.sql: cells kag-dump must not pass on as they stand: JSON that
-- is invalid, JSON pretty-printed over several lines, extra objects that
-- are not objects or repeat a column.
.read schema.sql
INSERT INTO memories (id, key, value, user_id, agent_name, created_at,
    updated_at, metadata) VALUES
 (1, 'not json', 'hello world', 'alice', 'global', '2026-01-01 00:00:00',
  '2026-01-01 00:00:00', NULL),
 (2, 'pretty', '{
  "pretty": [
    1,
    2
  ],
  "s": "a b"
}', 'alice', 'global', '2026-01-01 00:00:01', '2026-01-01 00:00:01',
  '{"ok": true}'),
 (3, 'cut metadata', '{"a": 1}', 'alice', NULL, '2026-01-01 00:00:02',
  '2026-01-01 00:00:02', '{"broken": '),
 (4, 'nan is kagura''s', 'NaN', 'alice', NULL, '2026-01-01 00:00:03',
  '2026-01-01 00:00:03', '{"x": -Infinity}'),
 (5, 'crlf', '[1,' || char(13) || char(10) || '2]', 'alice', NULL,
  '2026-01-01 00:00:04', '2026-01-01 00:00:04', NULL),
 (6, 'empty', '', 'alice', NULL, '2026-01-01 00:00:05',
  '2026-01-01 00:00:05', NULL),
 (7, 'newline in a string', '"a
b"', 'alice', NULL, '2026-01-01 00:00:06', '2026-01-01 00:00:06', NULL),
 (8, 'trailing newline', '42
', 'alice', NULL, '2026-01-01 00:00:07', '2026-01-01 00:00:07', NULL);
INSERT INTO kag_working (id, key, value, user_id, agent_name, extra) VALUES
 (1, 'w1', '1', 'alice', NULL, '[1]'),
 (2, 'w2', '2', 'alice', NULL, '{"key":"shadow","ok":1}');
INSERT INTO kag_nodes (id, node_type, data) VALUES
 ('n1', 'thing', '{"a": oops}'),
 ('n2', 'thing', '{"score": NaN}');
INSERT INTO kag_edges (seq, id, src, dst, rel_type, weight, data, directed)
 VALUES (1, NULL, 'n1', 'n2', 'r', '"heavy"', '[]', 'yes');
