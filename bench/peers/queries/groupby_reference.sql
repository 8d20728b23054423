-- Count by feature and scenario over the current examples of a peers/py_reference.py database.
SELECT feature, scenario, count(*) FROM examples GROUP BY feature, scenario;
