-- name: factor_changes
-- question: Which MFA factors were enrolled, removed or reset, for whom, and who did it (the user or an admin)? (SOC 2 CC6.2, CC6.3)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id, category,
       coalesce(user_email, user_login, user_id) AS user_name,
       coalesce(actor_login, actor_id, coalesce(user_email, user_login, user_id)) AS done_by,
       CASE WHEN actor_id IS NOT NULL OR actor_login IS NOT NULL THEN 'admin' ELSE 'self' END AS done_as,
       factor, factor_raw, outcome, src_ip
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('factor_enroll', 'factor_remove', 'factor_reset')
ORDER BY event_time, user_name
