-- The input the loaders rejected, counted (suite rejected_input, a warning). The raw tables
-- are not partitioned (a file may hold any month), so this has no month column.
with

rejected_records as (
    select * from {{ source('exports', 'rejected_records') }}
),

final as (
    select
        count(*) as rejected_records,
        count(distinct source_file) as files_with_rejections
    from rejected_records
)

select * from final
