-- name: bypass_code_use
-- question: When were MFA bypass codes used or attempted, by whom, and with what result? (SOC 2 CC6.1, PCI-DSS 8.4)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id,
       coalesce(user_email, user_login, user_id) AS user_name,
       outcome, reason, src_ip, geo_country, actor_login
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND (category = 'mfa_bypass' OR factor = 'bypass_code')
ORDER BY event_time, user_name
