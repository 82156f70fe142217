-- name: access_log
-- question: Who read personal data through authtrail (pseudonyms revealed, erasures, queries, evidence reports, investigation API and console reads), when, what and why? (GDPR Art. 5(2), 30, 32; HIPAA §164.312(b); SOC 2 CC6.1; PCI-DSS 10.2.1)
-- param: tenant = ''            tenant id; empty for every tenant (operator queries over every tenant are under _all)
-- param: from = 1970-01-01      first day (UTC), inclusive
-- param: to = 9999-12-31        last day (UTC), inclusive
SELECT tenant, "time", who, action, what, reason, mode, access_id
FROM access_log
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
ORDER BY "time", access_id
