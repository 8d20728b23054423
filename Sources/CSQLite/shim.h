#ifndef EVALDB_CSQLITE_SHIM_H
#define EVALDB_CSQLITE_SHIM_H
#include <sqlite3.h>

/* Variadic SQLite functions are not imported into Swift: fixed-arity wrappers. */
static inline int evaldb_sqlite3_db_config_int(sqlite3 *db, int op, int value, int *out) {
    return sqlite3_db_config(db, op, value, out);
}
#endif
