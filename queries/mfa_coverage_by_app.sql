-- name: mfa_coverage_by_app
-- question: For each application, what share of the successful sign-ins whose MFA authtrail can judge used a second factor, and how many had MFA decided at an external identity provider? (SOC 2 CC6.1, PCI-DSS 8.4.2)
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant,
       coalesce(app_name, app_id, '(no application)') AS app,
       count(*) AS sign_ins,
       sum(CASE WHEN is_mfa = true THEN 1 ELSE 0 END) AS with_mfa,
       round(100.0 * sum(CASE WHEN is_mfa = true THEN 1 ELSE 0 END) / nullif(sum(CASE WHEN is_mfa IS NOT NULL THEN 1 ELSE 0 END), 0), 1) AS mfa_percent,
       sum(CASE WHEN is_mfa = false THEN 1 ELSE 0 END) AS without_mfa,
       sum(CASE WHEN is_mfa IS NULL AND factor = 'external_idp' THEN 1 ELSE 0 END) AS mfa_at_idp,
       sum(CASE WHEN is_mfa IS NULL AND coalesce(factor, '') <> 'external_idp' THEN 1 ELSE 0 END) AS mfa_unknown
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso', 'mfa_verify')
  AND outcome = 'success'
GROUP BY tenant, coalesce(app_name, app_id, '(no application)')
ORDER BY mfa_percent ASC NULLS LAST, sign_ins DESC, app
