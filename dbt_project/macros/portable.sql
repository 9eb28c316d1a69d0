{#-
    Engine-specific expressions behind dispatched macros. DuckDB is the default; another
    adapter adds its own `<adapter>__` version (the spark__ ones are written, never run).
    Not all of the project is portable yet: the question, link and participant marts call
    DuckDB functions directly (regexp_full_match, list_filter with a lambda, max_by, range).
-#}

{#- UTC timestamp -> wall-clock timestamp in an IANA timezone. -#}
{% macro utc_to_local(timestamp_column, timezone_column) -%}
    {{ return(adapter.dispatch("utc_to_local", "tweetchat")(timestamp_column, timezone_column)) }}
{%- endmacro %}
{% macro default__utc_to_local(timestamp_column, timezone_column) -%}
    timezone({{ timezone_column }}, timezone('UTC', {{ timestamp_column }}))
{%- endmacro %}
{% macro spark__utc_to_local(timestamp_column, timezone_column) -%}
    from_utc_timestamp({{ timestamp_column }}, {{ timezone_column }})
{%- endmacro %}

{#- One row per element of a list column (use in a select list). -#}
{% macro explode(list_column) -%}
    {{ return(adapter.dispatch("explode", "tweetchat")(list_column)) }}
{%- endmacro %}
{% macro default__explode(list_column) -%}unnest({{ list_column }}){%- endmacro %}
{% macro spark__explode(list_column) -%}explode({{ list_column }}){%- endmacro %}

{#- Every element but the last of a list column. -#}
{% macro all_but_last(list_column) -%}
    {{ return(adapter.dispatch("all_but_last", "tweetchat")(list_column)) }}
{%- endmacro %}
{% macro default__all_but_last(list_column) -%}
    list_slice({{ list_column }}, 1, len({{ list_column }}) - 1)
{%- endmacro %}
{% macro spark__all_but_last(list_column) -%}
    slice({{ list_column }}, 1, size({{ list_column }}) - 1)
{%- endmacro %}

{#- The hashtags written in a text, without '#', as a list. -#}
{% macro hashtags_in_text(text_column) -%}
    {{ return(adapter.dispatch("hashtags_in_text", "tweetchat")(text_column)) }}
{%- endmacro %}
{% macro default__hashtags_in_text(text_column) -%}
    regexp_extract_all({{ text_column }}, '#(\w+)', 1)
{%- endmacro %}
{% macro spark__hashtags_in_text(text_column) -%}
    regexp_extract_all({{ text_column }}, '#(\\w+)', 1)
{%- endmacro %}

{#- The 1-based position of each element, beside explode(list_column) in the same select list. -#}
{% macro list_positions(list_column) -%}
    {{ return(adapter.dispatch("list_positions", "tweetchat")(list_column)) }}
{%- endmacro %}
{% macro default__list_positions(list_column) -%}generate_subscripts({{ list_column }}, 1){%- endmacro %}

{#- One row per bucket start in [start, end), every step_minutes (use in a select list). -#}
{% macro explode_time_range(start_column, end_column, step_minutes) -%}
    {{ return(adapter.dispatch("explode_time_range", "tweetchat")(start_column, end_column, step_minutes)) }}
{%- endmacro %}
{% macro default__explode_time_range(start_column, end_column, step_minutes) -%}
    unnest(range({{ start_column }}, {{ end_column }}, to_minutes(cast({{ step_minutes }} as bigint))))
{%- endmacro %}

{#- Counts and sums as bigint: DuckDB's sum of integers is a 128-bit integer, which pandas and
    most clients read as an object or float. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}
{% macro sum_bigint(expression) -%}
    cast(sum({{ expression }}) as bigint)
{%- endmacro %}
