-- name: failed_signins_over_time
-- question: How many sign-ins failed per day or week and source: failed logins (login or sso with outcome failure, as the SignInFailures metric), failed and denied MFA verifications (as failed_mfa_by_user), failed bypass-code attempts, and how many users had any of them? A period appears when the source delivered any event in it, so a 0 is a real zero. (SOC 2 CC7.2, PCI-DSS 10.2.1.4, 10.4.1; HIPAA 164.308(a)(5)(ii)(C))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
-- param: granularity = day      one of: day, week; the length of a period (UTC; weeks start on Monday, so the first and last week may reach outside from and to)
SELECT tenant, source_id, source,
       CAST(date_trunc('{{granularity}}', event_time) AS DATE) AS period_start,
       count(*) AS events,
       sum(CASE WHEN category IN ('login', 'sso') AND outcome = 'failure' THEN 1 ELSE 0 END) AS failed_sign_ins,
       sum(CASE WHEN category IN ('mfa_challenge', 'mfa_verify') AND outcome = 'failure' THEN 1 ELSE 0 END) AS mfa_failures,
       sum(CASE WHEN category IN ('mfa_challenge', 'mfa_verify') AND outcome = 'denied' THEN 1 ELSE 0 END) AS mfa_denials,
       sum(CASE WHEN category = 'mfa_bypass' AND outcome = 'failure' THEN 1 ELSE 0 END) AS bypass_failures,
       count(DISTINCT CASE WHEN (category IN ('login', 'sso', 'mfa_bypass') AND outcome = 'failure')
                             OR (category IN ('mfa_challenge', 'mfa_verify') AND outcome IN ('failure', 'denied'))
                           THEN coalesce(user_email, user_login, user_id) END) AS users_failing
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
GROUP BY tenant, source_id, source, CAST(date_trunc('{{granularity}}', event_time) AS DATE)
ORDER BY tenant, source_id, period_start
