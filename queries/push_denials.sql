-- name: push_denials
-- question: Which push prompts did users deny (possible MFA fatigue attacks), from where? (SOC 2 CC7.2, CC7.3)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id,
       coalesce(user_email, user_login, user_id) AS user_name,
       src_ip, geo_country, app_name, reason
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND outcome = 'denied'
  AND factor = 'push'
ORDER BY event_time, user_name
