{#-
    The chat months being built, [month_start, month_end): from --vars month_start / month_end
    (by hand, the tests, a unit test's overrides), else from the environment
    (TWEETCHAT_MONTH_START / TWEETCHAT_MONTH_END: the Dagster steps, orchestration/defs/dbt.py),
    else every month. Read only when executing: dbt reparses the whole project when --vars
    change, and a file whose parse read an environment variable when that variable changes, so
    the months are never read while parsing and every run reuses the parsed project.
-#}
{% macro partition_bound(name, variable, every_month) -%}
    {%- if not execute -%}
        {{- every_month -}}
    {%- elif var(name, none) is not none -%}
        {{- var(name) -}}
    {%- else -%}
        {{- env_var(variable, every_month) -}}
    {%- endif -%}
{%- endmacro %}

{% macro in_partition(month_column) -%}
    ({{ month_column }} >= cast('{{ partition_bound("month_start", "TWEETCHAT_MONTH_START", "0001-01-01") }}' as date)
     and {{ month_column }} < cast('{{ partition_bound("month_end", "TWEETCHAT_MONTH_END", "9999-12-01") }}' as date))
{%- endmacro %}

{#-
    Incremental strategy for chat-grain marts: replace every row of the partition's months,
    then insert the new rows. Unlike delete+insert on a key, a chat that lost all its posts
    loses its old rows too, so building a month twice equals building it once.
-#}
{% macro get_incremental_month_partition_sql(arg_dict) %}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ arg_dict["target_relation"] }} where {{ in_partition("chat_month") }};
    insert into {{ arg_dict["target_relation"] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}
