-- schema.sql: the tables of a store as kag-load makes them: Kagura's own
-- DDL (lib/store.c has it byte for byte), then kag's tables.
                CREATE TABLE IF NOT EXISTS memories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    user_id TEXT NOT NULL DEFAULT 'default_user',
                    agent_name TEXT,
                    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    metadata TEXT
                )
            ;
ALTER TABLE memories ADD COLUMN access_count INTEGER DEFAULT 0;
ALTER TABLE memories ADD COLUMN last_accessed_at TIMESTAMP;
CREATE INDEX IF NOT EXISTS idx_key ON memories(key);
CREATE INDEX IF NOT EXISTS idx_agent ON memories(agent_name);
CREATE INDEX IF NOT EXISTS idx_key_agent ON memories(key, agent_name);
CREATE INDEX IF NOT EXISTS idx_user ON memories(user_id);
CREATE INDEX IF NOT EXISTS idx_user_agent
                   ON memories(user_id, agent_name);
CREATE INDEX IF NOT EXISTS idx_user_key ON memories(user_id, key);
CREATE TABLE IF NOT EXISTS kag_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO kag_meta VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS kag_working (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT 'default_user', agent_name TEXT, created_at TEXT, updated_at TEXT, metadata TEXT, extra TEXT);
CREATE INDEX IF NOT EXISTS kag_working_identity ON kag_working(user_id, key);
CREATE TABLE IF NOT EXISTS kag_memory_extra (memory_id INTEGER PRIMARY KEY, extra TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kag_nodes (id TEXT PRIMARY KEY, node_type TEXT, data TEXT, content TEXT, metadata TEXT, created_at TEXT, updated_at TEXT, extra TEXT);
CREATE TABLE IF NOT EXISTS kag_edges (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, src TEXT NOT NULL, dst TEXT NOT NULL, rel_type TEXT, weight TEXT, data TEXT, directed TEXT, metadata TEXT, created_at TEXT, extra TEXT);
CREATE INDEX IF NOT EXISTS kag_edges_src ON kag_edges(src, dst, rel_type);
CREATE INDEX IF NOT EXISTS kag_edges_dst ON kag_edges(dst);
CREATE TABLE IF NOT EXISTS kag_hyperedges (id TEXT PRIMARY KEY, edge_type TEXT, content TEXT, metadata TEXT, created_at TEXT, extra TEXT);
CREATE TABLE IF NOT EXISTS kag_hyperedge_members (hyperedge_id TEXT NOT NULL, pos INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (hyperedge_id, pos)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kag_hyperedge_members_node ON kag_hyperedge_members(node_id);
