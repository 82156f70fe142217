-- name: mfa_adherence
-- question: For each user, how many MFA steps were required of them and how did each end: completed, bypassed, failed, denied, reported as fraud, or a bypass-code attempt that failed; and how many sign-ins went without MFA, had it decided at an external identity provider, or unknown (as mfa_coverage_by_user)? (SOC 2 CC6.1, PCI-DSS 8.4, 8.5; HIPAA 164.312(d))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
-- param: app = ''               application name or id (any case), e.g. one the tenant marks as MFA-required; empty for every application (an MFA event that names no application counts only then)
SELECT tenant, user_name,
       completed + bypassed + bypass_failed + failed + denied + fraud AS required,
       completed, bypassed, failed, denied, fraud, bypass_failed,
       round(100.0 * completed / nullif(completed + bypassed + bypass_failed + failed + denied + fraud, 0), 1) AS completed_percent,
       without_mfa, mfa_at_idp, mfa_unknown,
       first_event_time, last_event_time
FROM (
  SELECT tenant,
         coalesce(user_email, user_login, user_id) AS user_name,
         sum(CASE WHEN sign_in AND is_mfa = true AND category <> 'mfa_bypass' THEN 1 ELSE 0 END) AS completed,
         sum(CASE WHEN sign_in AND category = 'mfa_bypass' THEN 1 ELSE 0 END) AS bypassed,
         sum(CASE WHEN category = 'mfa_bypass' AND outcome = 'failure' THEN 1 ELSE 0 END) AS bypass_failed,
         sum(CASE WHEN category IN ('mfa_challenge', 'mfa_verify') AND outcome = 'failure' THEN 1 ELSE 0 END) AS failed,
         sum(CASE WHEN category IN ('mfa_challenge', 'mfa_verify') AND outcome = 'denied' THEN 1 ELSE 0 END) AS denied,
         sum(CASE WHEN category IN ('mfa_challenge', 'mfa_verify') AND outcome = 'fraud' THEN 1 ELSE 0 END) AS fraud,
         sum(CASE WHEN sign_in AND is_mfa = false THEN 1 ELSE 0 END) AS without_mfa,
         sum(CASE WHEN sign_in AND is_mfa IS NULL AND factor = 'external_idp' THEN 1 ELSE 0 END) AS mfa_at_idp,
         sum(CASE WHEN sign_in AND is_mfa IS NULL AND coalesce(factor, '') <> 'external_idp' THEN 1 ELSE 0 END) AS mfa_unknown,
         min(event_time) AS first_event_time,
         max(event_time) AS last_event_time
  FROM (
    SELECT tenant, user_email, user_login, user_id, category, outcome, is_mfa, factor, event_time,
           (category IN ('login', 'sso', 'mfa_verify', 'mfa_bypass') AND outcome = 'success') AS sign_in
    FROM events
    WHERE dt BETWEEN '{{from}}' AND '{{to}}'
      AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
      AND ('{{app}}' = '' OR lower(app_name) = lower('{{app}}') OR lower(app_id) = lower('{{app}}'))
      AND ((category IN ('login', 'sso', 'mfa_verify', 'mfa_bypass') AND outcome = 'success')
        OR (category IN ('mfa_challenge', 'mfa_verify') AND outcome IN ('failure', 'denied', 'fraud'))
        OR (category = 'mfa_bypass' AND outcome = 'failure'))
  ) steps
  GROUP BY tenant, coalesce(user_email, user_login, user_id)
) per_user
ORDER BY completed_percent ASC NULLS LAST, required DESC, user_name, tenant
