-- Links shared in the chat's originals (metrics.md 6): expanded, normalised (lower-case
-- scheme and host, no utm_* parameters, no trailing slash), one share per post, without the
-- platforms' own posts and media (seed platform_links).
with

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }} and not is_retweet
),

urls as (
    select * from {{ ref('stg_exports__urls') }}
),

platform_links as (
    select * from {{ ref('platform_links') }}
),

shared as (
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.platform,
        chat_posts.post_id,
        chat_posts.author_username,
        chat_posts.created_at,
        trim(urls.url) as url
    from chat_posts
    inner join urls
        on chat_posts.platform = urls.platform and chat_posts.post_id = urls.post_id
),

parts as (
    select
        *,
        lower(regexp_extract(url, '^([A-Za-z][A-Za-z0-9+.-]*)://', 1)) as scheme,
        lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)', 1)) as host,
        regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1) as path,
        regexp_extract(url, '\?([^#]*)', 1) as query,
        regexp_extract(url, '(#.*)$', 1) as fragment
    from shared
    where {{ regex_matches('url', "'^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+'") }}
),

normalised as (
    select
        *,
        {{ join_list(
            filter_list(
                "split(query, '&')",
                'parameter',
                "parameter <> '' and left(lower(parameter), 4) <> 'utm_'"
            ),
            "'&'"
        ) }} as kept_query
    from parts
),

resources as (
    select
        chat_id,
        chat_month,
        platform,
        post_id,
        author_username,
        created_at,
        scheme || '://' || host || {{ trim_chars('path', "'/'", 'trailing') }}
        || case when kept_query <> '' then '?' || kept_query else '' end
        || fragment as url,
        regexp_replace(regexp_replace(host, ':[0-9]+$', ''), '^www\.', '') as domain
    from normalised
    where
        not exists (
            select 1
            from platform_links
            where
                {{ regex_matches('normalised.host', 'platform_links.host_pattern') }}
                and {{ regex_matches(
                    'normalised.path', "coalesce(platform_links.path_pattern, '')"
                ) }}
        )
),

shares as (
    select distinct
        chat_id, chat_month, platform, post_id, author_username, created_at, url,
        domain
    from resources
),

ranked as (
    select
        *,
        count(*) over (partition by chat_id, url) as shares,
        row_number() over (partition by chat_id, url order by created_at, post_id) as share_rank
    from shares
),

final as (
    select
        chat_id,
        chat_month,
        url,
        domain,
        shares,
        author_username as first_shared_by,
        created_at as first_shared_at,
        post_id as first_post_id
    from ranked
    where share_rank = 1
)

select * from final
