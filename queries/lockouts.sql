-- name: lockouts
-- question: Which accounts were locked out (and unlocked), when, and from where? (SOC 2 CC6.1, PCI-DSS 8.3.4)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id, category,
       coalesce(user_email, user_login, user_id) AS user_name,
       actor_login, reason, src_ip, geo_country
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('lockout', 'unlock')
ORDER BY event_time, user_name
