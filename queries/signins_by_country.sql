-- name: signins_by_country
-- question: From which countries did each user sign in, how often, and when was each country first seen for that user? (SOC 2 CC7.2, GDPR Art. 32)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant,
       coalesce(user_email, user_login, user_id) AS user_name,
       coalesce(geo_country, '??') AS country,
       count(*) AS sign_ins,
       min(event_time) AS first_seen,
       max(event_time) AS last_seen,
       CASE WHEN min(event_time) > min(min(event_time)) OVER (PARTITION BY tenant, coalesce(user_email, user_login, user_id))
            THEN true ELSE false END AS new_after_first_country
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso', 'mfa_verify')
GROUP BY tenant, coalesce(user_email, user_login, user_id), coalesce(geo_country, '??')
ORDER BY tenant, user_name, first_seen
