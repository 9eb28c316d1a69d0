-- Originals and retweets over each chat's window (metrics.md 6): 5-minute buckets through the
-- hour, hourly buckets before and after it (aligned on the hour's start and end, the window's
-- edge cutting the outermost). Empty buckets are rows of zeros, so a chart has no gaps.
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

posts as (
    select * from {{ ref('posts') }}
    where {{ in_partition('chat_month') }}
),

hour_buckets as (
    select
        chat_id,
        {{ explode_time_range('starts_at', 'hour_ends_at', 5) }} as bucket_start,
        true as in_hour
    from chats
),

before_buckets as (
    -- Counted back from the start, so the bucket next to the hour is a whole hour.
    select
        chat_id,
        {{ explode_time_range(
            dbt.dateadd('hour', '-cast(ceil(window_hours_before) as integer)', 'starts_at'),
            'starts_at', 60) }} as bucket_start,
        false as in_hour
    from chats
),

after_buckets as (
    select
        chat_id,
        {{ explode_time_range('hour_ends_at', 'window_ends_at', 60) }} as bucket_start,
        false as in_hour
    from chats
),

buckets as (
    select * from hour_buckets
    union all
    select * from before_buckets
    union all
    select * from after_buckets
),

bounded as (
    select
        buckets.chat_id,
        chats.chat_month,
        chats.timezone,
        buckets.in_hour,
        greatest(buckets.bucket_start, chats.window_starts_at) as bucket_start,
        least(
            case
                when buckets.in_hour then {{ dbt.dateadd('minute', 5, 'buckets.bucket_start') }}
                else {{ dbt.dateadd('minute', 60, 'buckets.bucket_start') }}
            end,
            case when buckets.in_hour then chats.hour_ends_at else chats.window_ends_at end,
            case
                when buckets.bucket_start < chats.starts_at then chats.starts_at
                else chats.window_ends_at
            end
        ) as bucket_end
    from buckets
    inner join chats on buckets.chat_id = chats.chat_id
),

counted as (
    select
        bounded.chat_id,
        bounded.bucket_start,
        {{ count_where('not posts.is_retweet') }} as originals,
        {{ count_where('posts.is_retweet') }} as retweets
    from bounded
    inner join posts
        on bounded.chat_id = posts.chat_id
        and posts.created_at >= bounded.bucket_start
        and posts.created_at < bounded.bucket_end
    group by bounded.chat_id, bounded.bucket_start
),

final as (
    select
        bounded.chat_id,
        bounded.chat_month,
        bounded.bucket_start,
        {{ utc_to_local('bounded.bucket_start', 'bounded.timezone') }} as bucket_start_local,
        bounded.bucket_end,
        cast(
            {{ dbt.datediff('bounded.bucket_start', 'bounded.bucket_end', 'second') }} / 60  -- noqa: LT05
            as integer
        ) as bucket_minutes,
        bounded.in_hour,
        coalesce(counted.originals, 0) as originals,
        coalesce(counted.retweets, 0) as retweets,
        coalesce(counted.originals, 0) + coalesce(counted.retweets, 0) as posts
    from bounded
    left join counted
        on bounded.chat_id = counted.chat_id and bounded.bucket_start = counted.bucket_start
    where bounded.bucket_end > bounded.bucket_start
)

select * from final
