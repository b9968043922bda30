"""Demo data for 公文收发 (placeholder)."""
