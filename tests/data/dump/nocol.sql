-- nocol.sql: a memories table without Kagura's columns.
CREATE TABLE memories (id INTEGER PRIMARY KEY, key TEXT, value TEXT);
INSERT INTO memories VALUES (1, 'k', '"v"');
