{#-
    Engine-specific expressions behind dispatched macros. DuckDB is the default; Spark (the
    scale-out check, benchmarks/spark_marts.py) has its `spark__` versions. The project's SQL
    writes string literals raw (a regex's backslashes as they are: DuckDB's literals, and
    Spark's with spark.sql.parser.escapedStringLiterals, set in profiles.yml), and writes a
    single quote inside a literal as chr(39), which both engines read the same way. A regex
    handed to one of these macros inside a Jinja string doubles its backslashes ("'\\b'"):
    Jinja reads "\b" in its own strings as a backspace.
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

{#- One row per element of a list column, as two columns: the element and its 1-based position
    (use in a select list, in place of both columns). -#}
{% macro explode_with_position(list_column, value_alias, position_alias) -%}
    {{ return(adapter.dispatch("explode_with_position", "tweetchat")(list_column, value_alias, position_alias)) }}
{%- endmacro %}
{% macro default__explode_with_position(list_column, value_alias, position_alias) -%}
    unnest({{ list_column }}) as {{ value_alias }},
    generate_subscripts({{ list_column }}, 1) as {{ position_alias }}
{%- endmacro %}
{% macro spark__explode_with_position(list_column, value_alias, position_alias) -%}
    inline(transform({{ list_column }}, (element, position) -> struct(
        element as {{ value_alias }}, position + 1 as {{ position_alias }})))
{%- endmacro %}

{#- One row per bucket start in [start, end), every step_minutes (use in a select list). -#}
{% macro explode_time_range(start_column, end_column, step_minutes) -%}
    {{ return(adapter.dispatch("explode_time_range", "tweetchat")(start_column, end_column, step_minutes)) }}
{%- endmacro %}
{% macro default__explode_time_range(start_column, end_column, step_minutes) -%}
    unnest(range({{ start_column }}, {{ end_column }}, to_minutes(cast({{ step_minutes }} as bigint))))
{%- endmacro %}
{% macro spark__explode_time_range(start_column, end_column, step_minutes) -%}
    {#- sequence() includes its end and refuses an end before its start. -#}
    explode(case when {{ start_column }} < {{ end_column }} then filter(
        sequence({{ start_column }}, {{ end_column }}, interval {{ step_minutes }} minutes),
        bucket -> bucket < {{ end_column }}) else array() end)
{%- endmacro %}

{#- Whether a regular expression matches somewhere in a text. -#}
{% macro regex_matches(text, pattern) -%}
    {{ return(adapter.dispatch("regex_matches", "tweetchat")(text, pattern)) }}
{%- endmacro %}
{% macro default__regex_matches(text, pattern) -%}regexp_matches({{ text }}, {{ pattern }}){%- endmacro %}
{% macro spark__regex_matches(text, pattern) -%}regexp_like({{ text }}, {{ pattern }}){%- endmacro %}

{#- Whether a regular expression matches the whole text. -#}
{% macro regex_full_match(text, pattern) -%}
    {{ return(adapter.dispatch("regex_full_match", "tweetchat")(text, pattern)) }}
{%- endmacro %}
{% macro default__regex_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, {{ pattern }})
{%- endmacro %}
{% macro spark__regex_full_match(text, pattern) -%}
    regexp_like({{ text }}, concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}

{#- Every match of a regular expression replaced (not only the first). -#}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch("regex_replace_all", "tweetchat")(text, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- Characters taken off a text's ends: side is 'both', 'leading' or 'trailing'. -#}
{% macro trim_chars(text, characters, side="both") -%}
    {{ return(adapter.dispatch("trim_chars", "tweetchat")(text, characters, side)) }}
{%- endmacro %}
{% macro default__trim_chars(text, characters, side) -%}
    {{ {"both": "trim", "leading": "ltrim", "trailing": "rtrim"}[side] }}({{ text }}, {{ characters }})
{%- endmacro %}
{% macro spark__trim_chars(text, characters, side) -%}
    trim({{ side }} {{ characters }} from {{ text }})
{%- endmacro %}

{#- The elements of a list for which `condition` (on `element_name`) holds. -#}
{% macro filter_list(list_column, element_name, condition) -%}
    {{ return(adapter.dispatch("filter_list", "tweetchat")(list_column, element_name, condition)) }}
{%- endmacro %}
{% macro default__filter_list(list_column, element_name, condition) -%}
    list_filter({{ list_column }}, lambda {{ element_name }}: {{ condition }})
{%- endmacro %}
{% macro spark__filter_list(list_column, element_name, condition) -%}
    filter({{ list_column }}, {{ element_name }} -> {{ condition }})
{%- endmacro %}

{#- A list of texts joined with a separator. -#}
{% macro join_list(list_column, separator) -%}
    {{ return(adapter.dispatch("join_list", "tweetchat")(list_column, separator)) }}
{%- endmacro %}
{% macro default__join_list(list_column, separator) -%}
    array_to_string({{ list_column }}, {{ separator }})
{%- endmacro %}
{% macro spark__join_list(list_column, separator) -%}
    array_join({{ list_column }}, {{ separator }})
{%- endmacro %}

{#- Counts and sums as bigint: DuckDB's sum of integers is a 128-bit integer, which pandas and
    most clients read as an object or float. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}
{% macro sum_bigint(expression) -%}
    cast(sum({{ expression }}) as bigint)
{%- endmacro %}
