-- empty.sql: a store as kag-load leaves a new one, with no rows.
.read schema.sql
