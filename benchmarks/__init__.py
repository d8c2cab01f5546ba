"""Benchmarks of kpibot: import rate, query time against hand-written SQL, peak memory."""
