"""Writing results: Parquet signal rows streamed in row groups, JSON files."""
