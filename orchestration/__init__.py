"""tweetchat warehouse: tweetchat exports -> DuckDB through Dagster and dbt."""
