{#- The month partition being built, from --vars month_start / month_end (end exclusive). -#}
{% macro in_partition(month_column) -%}
    ({{ month_column }} >= cast('{{ var("month_start") }}' as date)
     and {{ month_column }} < cast('{{ var("month_end") }}' as date))
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
