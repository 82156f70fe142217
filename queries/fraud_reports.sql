-- name: fraud_reports
-- question: Which users reported an MFA prompt or sign-in as fraudulent, and when? (SOC 2 CC7.3, CC7.4)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id,
       coalesce(user_email, user_login, user_id) AS user_name,
       raw_event_type, src_ip, geo_country
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND (outcome = 'fraud' OR category = 'fraud_report')
ORDER BY event_time, user_name
