"""Draft themes of each question's responses (metrics.md section 8).

`excerpts` splits a response into sentences and clauses, `representation` turns excerpts into
vectors (TF-IDF + LSA by default, or a local sentence-embedding model), `draft` groups them into
labelled themes with quote picks, `edits` applies the analyst's themes.yaml. The counts are
dbt's (models/themes/); this package writes only the assignments (`store`).
"""
