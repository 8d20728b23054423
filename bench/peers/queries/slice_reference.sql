-- The slice feature=booking-lookup, scenario=ambiguous-query, tag multi-turn of a
-- peers/py_reference.py database: the stored lines, in import order.
SELECT r.body FROM examples e
  JOIN labels l ON l.tag = 'multi-turn' AND l.ex = e.ord
  JOIN revisions r ON r.rid = e.rid
 WHERE e.feature = 'booking-lookup' AND e.scenario = 'ambiguous-query'
 ORDER BY e.ord;
