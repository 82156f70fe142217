-- name: daily_events_per_source
-- question: How many events did each source deliver per day (gaps show a feed that went quiet)? (SOC 2 CC7.1, PCI-DSS 10.7)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, source_id, source, dt,
       count(*) AS events,
       sum(CASE WHEN is_mfa = true THEN 1 ELSE 0 END) AS mfa_events,
       min(ingest_time) AS first_ingest_time,
       max(ingest_time) AS last_ingest_time,
       sum(CASE WHEN is_mfa IS NULL AND factor = 'external_idp' THEN 1 ELSE 0 END) AS mfa_at_idp_events,
       min(event_time) AS first_event_time,
       max(event_time) AS last_event_time
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
GROUP BY tenant, source_id, source, dt
ORDER BY tenant, source_id, dt
