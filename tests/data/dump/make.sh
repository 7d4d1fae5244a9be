#!/bin/sh
# make.sh: build the kag-dump fixtures NAME.db from NAME.sql with the
# sqlite3 shell (apt-get install sqlite3); the tests only read the .db
# files, so run this after changing a .sql file and commit both.
cd "$(dirname "$0")" || exit 2
for name in empty mixed badcells pretty other nocol; do
	rm -f "$name.db"
	{
		echo "PRAGMA page_size = 512;"
		cat "$name.sql"
		echo "VACUUM;"
	} | sqlite3 -bail "$name.db" || exit 2
done
