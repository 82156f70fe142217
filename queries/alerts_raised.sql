-- name: alerts_raised
-- question: Which alerts did the detector raise, how often did each match, and on which events? (SOC 2 CC7.2, CC7.3; PCI-DSS 10.4.1; HIPAA §164.308(a)(1)(ii)(D))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (the alert's first event, UTC), inclusive
-- param: to = 9999-12-31        last day (the alert's first event, UTC), inclusive
SELECT tenant, alert_id, rule, severity, "user" AS user_name,
       first_event_time, last_event_time, "count" AS matches, summary, event_uids
FROM (
  SELECT a.*, row_number() OVER (PARTITION BY tenant, alert_id ORDER BY "count" DESC, last_event_time DESC) AS version_rank
  FROM alerts a
  WHERE dt BETWEEN '{{from}}' AND '{{to}}'
    AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
) latest
WHERE version_rank = 1
ORDER BY first_event_time, tenant, rule
