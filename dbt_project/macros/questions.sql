{#-
    For int_chat_posts__question_assignment: each post's reply ancestors (CTE `ancestors`)
    joined to the posts of `posts_with_questions` that have a question, ranked by depth
    ('asc': nearest first; 'desc': root-most first). Keep ancestor_rank = 1.
-#}
{% macro ancestor_questions(posts_with_questions, depth_order) -%}
    select
        ancestors.chat_id,
        ancestors.platform,
        ancestors.post_id,
        {{ posts_with_questions }}.question_id,
        row_number() over (
            partition by ancestors.chat_id, ancestors.platform, ancestors.post_id
            order by ancestors.depth {{ depth_order }}
        ) as ancestor_rank
    from ancestors
    inner join {{ posts_with_questions }}
        on ancestors.chat_id = {{ posts_with_questions }}.chat_id
        and ancestors.platform = {{ posts_with_questions }}.platform
        and ancestors.ancestor_post_id = {{ posts_with_questions }}.post_id
    where {{ posts_with_questions }}.question_id is not null
{%- endmacro %}
