#!/usr/bin/env python3
"""The DuckDB peer of bench/slice.py: the same questions as evaldb slice / coverage.

  duckdb_queries.py import DB FILE          # a DuckDB table from the JSONL (read_json_auto)
  duckdb_queries.py slice SOURCE            # feature=booking-lookup AND scenario=ambiguous-query, as JSON lines
  duckdb_queries.py count SOURCE            # count per (feature, scenario, persona)
  duckdb_queries.py cells SOURCE AXES       # count per cell of the axes, and values the axes do not list

SOURCE is a DuckDB database made by `import`, or the JSONL file itself (read on every query).
Needs `pip install duckdb`.
"""
import json
import sys

import duckdb


def relation(con, source):
    if source.endswith('.jsonl'):
        return f"read_json_auto('{source}', format='newline_delimited')"
    return 'examples'


def main():
    command, source = sys.argv[1], sys.argv[2]
    if command == 'import':
        con = duckdb.connect(source)
        con.execute(f"CREATE TABLE examples AS SELECT * FROM read_json_auto('{sys.argv[3]}', format='newline_delimited')")
        return
    con = duckdb.connect(source if not source.endswith('.jsonl') else ':memory:', read_only=not source.endswith('.jsonl'))
    table = relation(con, source)
    out = sys.stdout
    if command == 'slice':
        rows = con.execute(f"SELECT to_json(e) FROM {table} e WHERE e.labels.feature = 'booking-lookup' "
                           "AND e.labels.scenario = 'ambiguous-query'").fetchall()
        out.write(''.join(row[0] + '\n' for row in rows))
    elif command == 'count':
        rows = con.execute(f"SELECT labels.feature, labels.scenario, labels.persona, count(*) AS n FROM {table} "
                           "GROUP BY ALL ORDER BY n DESC").fetchall()
        out.write(''.join(f'{a}\t{b}\t{c}\t{n}\n' for a, b, c, n in rows))
    elif command == 'cells':
        axes = json.load(open(sys.argv[3]))
        keys = list(axes)
        rows = con.execute(f"SELECT {', '.join(f'labels.{k}' for k in keys)}, count(*) FROM {table} GROUP BY ALL").fetchall()
        counts = {tuple(row[:-1]): row[-1] for row in rows}
        listed = [set(axes[k]) for k in keys]
        stray = sorted({(k, row[i]) for row in rows for i, k in enumerate(keys) if row[i] not in listed[i]})
        out.write(json.dumps({'cells': len(counts), 'stray': stray}) + '\n')
    else:
        sys.exit(f'unknown command {command}')


main()
