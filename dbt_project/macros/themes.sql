{#-
    The analysis tables the themes asset (orchestration/defs/themes.py) writes and the theme
    marts read, created empty when missing (on-run-start), so dbt builds before the asset has
    ever run. Their columns are orchestration/themes/store.py's: keep the two in step.
-#}
{% macro create_theme_analysis_tables() -%}
    {%- set text = "string" if target.type == "spark" else "varchar" -%}
    {%- set storage = " using parquet" if target.type == "spark" else "" -%}
    {%- set schema = "database" if target.type == "spark" else "schema" -%}
    {% do run_query("create " ~ schema ~ " if not exists analysis") %}
    {% do run_query(
        "create table if not exists analysis.theme_excerpts ("
        ~ "chat_id " ~ text ~ ", chat_month date, question_id " ~ text ~ ", platform " ~ text
        ~ ", post_id " ~ text ~ ", author_username " ~ text ~ ", account_key " ~ text
        ~ ", excerpt_position int, excerpt " ~ text ~ ", words int, theme_id " ~ text
        ~ ", score double, is_quote_pick boolean)" ~ storage
    ) %}
    {% do run_query(
        "create table if not exists analysis.themes ("
        ~ "chat_id " ~ text ~ ", chat_month date, question_id " ~ text ~ ", theme_id " ~ text
        ~ ", label " ~ text ~ ", keywords " ~ text ~ ", origin " ~ text
        ~ ", theme_position int, is_new boolean)" ~ storage
    ) %}
{%- endmacro %}

{#- Texts of a group joined with a separator (any order). -#}
{% macro string_agg_text(text_column, separator) -%}
    {{ return(adapter.dispatch("string_agg_text", "tweetchat")(text_column, separator)) }}
{%- endmacro %}
{% macro default__string_agg_text(text_column, separator) -%}
    string_agg({{ text_column }}, {{ separator }})
{%- endmacro %}
{% macro spark__string_agg_text(text_column, separator) -%}
    array_join(collect_list({{ text_column }}), {{ separator }})
{%- endmacro %}
