{#- Rows where any of the given columns is null, each column's `<name>_is_null` saying which:
    one query a model where a not_null test a column would be one query each (docs/warehouse.md,
    "Tests"). -#}
{% test not_null_columns(model, columns) %}
select
{%- for column in columns %}
    {{ column }} is null as {{ column }}_is_null{{ "," if not loop.last }}
{%- endfor %}
from {{ model }}
where
{%- for column in columns %}
    {{ "or " if not loop.first }}{{ column }} is null
{%- endfor %}
{% endtest %}
