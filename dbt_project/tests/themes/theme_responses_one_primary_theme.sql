-- Every response with an excerpt in a theme has exactly one primary theme (metrics.md 8).
select chat_id, question_id, platform, post_id
from {{ ref('theme_responses') }}
group by chat_id, question_id, platform, post_id
having count(distinct case when is_primary then theme_id end) <> 1
