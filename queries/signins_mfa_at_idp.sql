-- name: signins_mfa_at_idp
-- question: Which successful sign-ins had their MFA decided at an external identity provider (federation), to be checked against that provider's own sign-in events? (SOC 2 CC6.1, PCI-DSS 8.4.2)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant, event_time, source_id,
       coalesce(user_email, user_login, user_id) AS user_name,
       app_name, factor_raw, src_ip, geo_country, correlation_id
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso', 'mfa_verify')
  AND outcome = 'success'
  AND is_mfa IS NULL
  AND factor = 'external_idp'
ORDER BY event_time, user_name
