-- name: factor_mix
-- question: Which second factors did the successful sign-ins use, and how many had none or left it unsaid (the same sign-ins mfa_coverage_by_user counts)? (SOC 2 CC6.1, PCI-DSS 8.4.2, HIPAA 164.312(d))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
SELECT tenant,
       CASE WHEN is_mfa = true THEN coalesce(factor, 'unknown')
            WHEN is_mfa = false THEN 'no second factor'
            WHEN factor = 'external_idp' THEN 'external_idp'
            ELSE 'not reported' END AS factor,
       count(*) AS sign_ins
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso', 'mfa_verify', 'mfa_bypass')
  AND outcome = 'success'
GROUP BY tenant, CASE WHEN is_mfa = true THEN coalesce(factor, 'unknown')
            WHEN is_mfa = false THEN 'no second factor'
            WHEN factor = 'external_idp' THEN 'external_idp'
            ELSE 'not reported' END
ORDER BY tenant, sign_ins DESC, factor
