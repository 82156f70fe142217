-- name: failed_mfa_by_user
-- question: Which users had failed or denied MFA verifications, how many, and when? (SOC 2 CC7.2)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant,
       coalesce(user_email, user_login, user_id) AS user_name,
       sum(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) AS failed,
       sum(CASE WHEN outcome = 'denied' THEN 1 ELSE 0 END) AS denied,
       min(event_time) AS first_event_time,
       max(event_time) AS last_event_time
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('mfa_challenge', 'mfa_verify')
  AND outcome IN ('failure', 'denied')
GROUP BY tenant, coalesce(user_email, user_login, user_id)
ORDER BY count(*) DESC, user_name
