-- name: app_access
-- question: Which users signed in to each application, how often, first and last when, with which second factors (MFA split as in mfa_coverage_by_app) and from which countries and IP addresses? One row per application and user; a sign-in is a successful login, sso, mfa_verify or mfa_bypass event, as in the coverage queries. (SOC 2 CC6.1, CC6.2, PCI-DSS 7.2, 10.2.1; HIPAA 164.312(b))
-- param: tenant = ''            tenant id; empty for every tenant
-- param: from = 1970-01-01      first day (event_time, UTC), inclusive
-- param: to = 9999-12-31        last day (event_time, UTC), inclusive
-- param: app = ''               application name or id (any case); empty for every application
-- param: user = ''              user email, login or id (any case); empty for every user
-- note: filter(…, x -> …) is the lambda syntax Trino and DuckDB share (DuckDB's newer "lambda x:" is not Trino's); it drops the nulls array_agg keeps.
SELECT tenant,
       coalesce(app_name, app_id, '(no application)') AS app,
       coalesce(user_email, user_login, user_id) AS user_name,
       count(*) AS sign_ins,
       min(event_time) AS first_sign_in,
       max(event_time) AS last_sign_in,
       sum(CASE WHEN is_mfa = true THEN 1 ELSE 0 END) AS with_mfa,
       sum(CASE WHEN is_mfa = false THEN 1 ELSE 0 END) AS without_mfa,
       sum(CASE WHEN is_mfa IS NULL AND factor = 'external_idp' THEN 1 ELSE 0 END) AS mfa_at_idp,
       sum(CASE WHEN is_mfa IS NULL AND coalesce(factor, '') <> 'external_idp' THEN 1 ELSE 0 END) AS mfa_unknown,
       array_sort(filter(array_agg(DISTINCT factor), x -> x IS NOT NULL)) AS factors,
       array_sort(filter(array_agg(DISTINCT geo_country), x -> x IS NOT NULL)) AS countries,
       array_sort(filter(array_agg(DISTINCT src_ip), x -> x IS NOT NULL)) AS src_ips
FROM events
WHERE dt BETWEEN '{{from}}' AND '{{to}}'
  AND ('{{tenant}}' = '' OR tenant = '{{tenant}}')
  AND category IN ('login', 'sso', 'mfa_verify', 'mfa_bypass')
  AND outcome = 'success'
  AND ('{{app}}' = '' OR lower(app_name) = lower('{{app}}') OR lower(app_id) = lower('{{app}}'))
  AND ('{{user}}' = '' OR lower(user_email) = lower('{{user}}') OR lower(user_login) = lower('{{user}}') OR lower(user_id) = lower('{{user}}'))
GROUP BY tenant, coalesce(app_name, app_id, '(no application)'), coalesce(user_email, user_login, user_id)
ORDER BY tenant, app, user_name
