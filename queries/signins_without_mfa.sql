-- name: signins_without_mfa
-- question: Which successful sign-ins completed without a second factor, or without the vendor saying whether one was used (MFA decided at an external identity provider is listed by signins_mfa_at_idp)? (SOC 2 CC6.1, PCI-DSS 8.4.2, HIPAA 164.312(d))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id,
       coalesce(user_email, user_login, user_id) AS user_name,
       app_name, factor, src_ip, geo_country,
       is_mfa
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso')
  AND outcome = 'success'
  AND (is_mfa = false OR (is_mfa IS NULL AND coalesce(factor, '') <> 'external_idp'))
ORDER BY event_time, user_name
