-- other.sql: an SQLite database that is not a Kagura store.
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO notes VALUES (1, 'hello');
