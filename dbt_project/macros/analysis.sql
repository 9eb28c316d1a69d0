{#-
    The tables of the `analysis` schema: what Python assets compute (README "Python measures,
    dbt figures"), declared here once. Run at the start of every dbt invocation, so a build
    finds them even before the Python asset first ran (the marts reading them then see no
    rows); the Python asset only replaces its months' rows. The DDL reads the same on DuckDB
    and Spark; one statement a hook (Spark runs one at a time).
-#}
{% macro create_analysis_tables() %}
    create table if not exists analysis.account_betweenness (
        chat_id string,
        chat_month date,
        username string,
        betweenness double
    )
{% endmacro %}
